"""hatch_startifact.cli.console: where the command line's lines, bar and JSON go."""

from __future__ import annotations

import io
import json

import pytest

from hatch_startifact.cli.console import Console
from hatch_startifact.display import ProgressBar
from tests.helpers import Terminal, make_console

# ---- Console ----------------------------------------------------------------------------


def test_line_goes_to_standard_output() -> None:
    console, out, err = make_console()

    console.line("staged 3 files")

    assert (out.getvalue(), err.getvalue()) == ("staged 3 files\n", "")


def test_warn_goes_to_standard_error_with_a_prefix() -> None:
    console, out, err = make_console()

    console.warn("region ap-south-1 is slow")

    assert (out.getvalue(), err.getvalue()) == ("", "warning: region ap-south-1 is slow\n")


def test_error_goes_to_standard_error_with_a_prefix() -> None:
    console, out, err = make_console()

    console.error("bucket not found")

    assert (out.getvalue(), err.getvalue()) == ("", "error: bucket not found\n")


def test_quiet_hides_lines_and_warnings() -> None:
    console, out, err = make_console(quiet=True)

    console.line("a line")
    console.warn("a warning")

    assert (out.getvalue(), err.getvalue()) == ("", "")


def test_quiet_still_shows_errors() -> None:
    console, out, err = make_console(quiet=True)

    console.error("it failed")

    assert (out.getvalue(), err.getvalue()) == ("", "error: it failed\n")


def test_json_mode_hides_lines_but_not_warnings_or_errors() -> None:
    console, out, err = make_console(json_mode=True)

    console.line("a line")
    console.warn("a warning")
    console.error("an error")

    assert out.getvalue() == ""
    assert err.getvalue() == "warning: a warning\nerror: an error\n"


def test_emit_json_writes_one_document_to_standard_output() -> None:
    console, out, err = make_console(json_mode=True)

    console.emit_json({"project": "my-lib", "versions": ["2.0.0", "1.0.0"]})

    assert json.loads(out.getvalue()) == {"project": "my-lib", "versions": ["2.0.0", "1.0.0"]}
    assert err.getvalue() == ""


def test_chatty_only_without_quiet_or_json() -> None:
    assert Console().chatty
    assert not Console(quiet=True).chatty
    assert not Console(json_mode=True).chatty


def test_console_defaults_to_the_process_streams(capsys: pytest.CaptureFixture[str]) -> None:
    console = Console()

    console.line("out")
    console.warn("careful")
    console.error("broken")

    captured = capsys.readouterr()
    assert captured.out == "out\n"
    assert captured.err == "warning: careful\nerror: broken\n"


# ---- progress bar -----------------------------------------------------------------------


def test_no_progress_bar_when_standard_error_is_not_a_terminal() -> None:
    console = Console(out=io.StringIO(), err=io.StringIO())

    assert console.progress_bar(100) is None


def test_a_progress_bar_when_standard_error_is_a_terminal() -> None:
    console = Console(out=io.StringIO(), err=Terminal())

    assert isinstance(console.progress_bar(100), ProgressBar)


@pytest.mark.parametrize("option", ["quiet", "json_mode"])
def test_no_progress_bar_when_quiet_or_json(option: str) -> None:
    console = Console(out=io.StringIO(), err=Terminal(), **{option: True})

    assert console.progress_bar(100) is None


def test_no_progress_bar_for_nothing_to_transfer() -> None:
    console = Console(out=io.StringIO(), err=Terminal())

    assert console.progress_bar(0) is None
