"""hatch_startifact.cli.serve: the ``startifact serve`` command's options (the server itself
is tested in tests/serving)."""

from __future__ import annotations

import pytest

from tests.fixtures.commands import RunCli

pytestmark = pytest.mark.e2e


def test_another_host_than_loopback_needs_a_token(run_cli: RunCli) -> None:
    result = run_cli("serve", "--host", "0.0.0.0")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: serving on 0.0.0.0 lets other machines read the index: give a token (--token "
        "or $STARTIFACT_SERVE_TOKEN), or serve on 127.0.0.1\n"
    )


def test_a_short_token_is_refused_without_echoing_it(run_cli: RunCli) -> None:
    result = run_cli("serve", "--token", "short-secret")
    assert result.returncode == 2
    assert "short-secret" not in result.stderr
    assert result.stderr.startswith(
        "error: the token must be at least 16 printable characters without spaces"
    )


def test_a_port_out_of_range_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("serve", "--port", "70000")
    assert (result.returncode, result.stderr) == (
        2,
        "error: --port 70000 is not a port number (0 to 65535; 0: a free one)\n",
    )
