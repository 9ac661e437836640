"""The test suite: fixtures in ``conftest.py`` and `tests.fixtures`, helpers in `tests.helpers`."""

import pytest

# pytest rewrites the asserts of test modules and conftest files only; these hold asserts too.
pytest.register_assert_rewrite("tests.helpers", "tests.fixtures")
