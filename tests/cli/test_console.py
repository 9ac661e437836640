"""What the command line prints: lines, warnings, errors, sizes, file lines and the progress bar."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hatch_startifact.cli import console as console_module
from hatch_startifact.staging.artifacts import MULTIPART_THRESHOLD, Artifact
from hatch_startifact.cli.console import Console, ProgressBar, StageConsole, file_line, format_size
from hatch_startifact.staging.regional import FileResult, Status
from hatch_startifact.staging.run import StageRequest


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A ``time`` stand-in whose ``monotonic`` only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(console_module, "time", fake)
    return fake


def make_console(**options: bool) -> tuple[Console, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Console(out=out, err=err, **options), out, err


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


# ---- format_size ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1536, "1.5 kB"),
        (999_000, "999.0 kB"),
        (1_000_000, "1.0 MB"),
        (8 * 1024 * 1024, "8.4 MB"),
        (2_500_000_000, "2.5 GB"),
        (5_000_000_000_000, "5000.0 GB"),
    ],
)
def test_format_size_uses_decimal_units(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(("size", "text"), [(999_999, "1.0 MB"), (999_999_999, "1.0 GB")])
def test_format_size_moves_to_the_next_unit_when_rounding_reaches_1000(
    size: int, text: str
) -> None:
    assert format_size(size) == text


# ---- file_line --------------------------------------------------------------------------


def test_file_line_of_a_staged_file_shows_its_size() -> None:
    result = FileResult("us-east-1", "a.whl", Status.STAGED, size=1536)

    assert file_line(result) == "staged          us-east-1       a.whl (1.5 kB)"


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Status.ALREADY, "already staged  eu-west-2       a.whl"),
        (Status.WOULD_STAGE, "would stage     eu-west-2       a.whl"),
        (Status.FAILED, "failed          eu-west-2       a.whl"),
    ],
)
def test_file_line_of_other_statuses_has_no_size(status: Status, text: str) -> None:
    assert file_line(FileResult("eu-west-2", "a.whl", status, size=1536)) == text


def test_file_line_appends_the_detail() -> None:
    result = FileResult("ap-south-1", "a.whl", Status.CONFLICT, size=10, detail="different bytes")

    assert file_line(result) == "conflict        ap-south-1      a.whl: different bytes"


def test_file_line_of_a_staged_file_with_detail() -> None:
    result = FileResult("us-east-1", "a.whl", Status.STAGED, size=5, detail="retried")

    assert file_line(result) == "staged          us-east-1       a.whl (5 B): retried"


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


def test_progress_bar_draws_its_state(clock: Clock) -> None:
    stream = Terminal()
    bar = ProgressBar(stream, 100)

    bar.advance(50)

    assert stream.getvalue() == f"\r[{'#' * 15}{'.' * 15}]  50% 50 B / 100 B"


def test_progress_bar_redraws_at_most_ten_times_a_second(clock: Clock) -> None:
    stream = Terminal()
    bar = ProgressBar(stream, 100)
    bar.advance(10)
    drawn = stream.getvalue()

    clock.now += 0.05
    bar.advance(10)
    assert stream.getvalue() == drawn

    clock.now += 0.06
    bar.advance(10)
    assert stream.getvalue().endswith(f"\r[{'#' * 9}{'.' * 21}]  30% 30 B / 100 B")


def test_progress_bar_always_draws_completion(clock: Clock) -> None:
    stream = Terminal()
    bar = ProgressBar(stream, 100)
    bar.advance(10)

    bar.advance(90)

    assert stream.getvalue().endswith(f"\r[{'#' * 30}] 100% 100 B / 100 B")


def test_progress_bar_never_goes_past_its_total(clock: Clock) -> None:
    stream = Terminal()
    bar = ProgressBar(stream, 2000)

    bar.advance(5000)

    assert stream.getvalue() == f"\r[{'#' * 30}] 100% 2.0 kB / 2.0 kB"


def test_progress_bar_clear_erases_the_line() -> None:
    stream = Terminal()

    ProgressBar(stream, 10).clear()

    assert stream.getvalue() == "\r\033[K"


# ---- StageConsole -----------------------------------------------------------------------


def request(*sizes: int, dry_run: bool = False) -> StageRequest:
    artifacts = tuple(
        Artifact(Path(f"f{i}.bin"), f"f{i}.bin", size, "0" * 64, "0" * 32)
        for i, size in enumerate(sizes)
    )
    return StageRequest("my-lib", "1.0.0", artifacts, dry_run=dry_run)


def test_stage_console_prints_a_line_per_file_and_region() -> None:
    console, out, _ = make_console()
    listener = StageConsole(console)

    listener.begin(request(10), ["us-east-1"])
    listener.file_done(FileResult("us-east-1", "f0.bin", Status.STAGED, size=10))
    listener.region_failed("eu-west-2", "access denied")
    listener.close()

    assert out.getvalue() == (
        "staged          us-east-1       f0.bin (10 B)\n"
        "failed          eu-west-2       access denied\n"
    )


def test_stage_console_shows_a_bar_for_large_uploads_on_a_terminal(clock: Clock) -> None:
    err = Terminal()
    listener = StageConsole(Console(out=io.StringIO(), err=err))

    listener.begin(request(MULTIPART_THRESHOLD, 10), ["us-east-1", "eu-west-2"])
    listener.progress("us-east-1", "f0.bin", MULTIPART_THRESHOLD)

    total = format_size(2 * MULTIPART_THRESHOLD)
    assert err.getvalue() == (
        f"\r[{'#' * 15}{'.' * 15}]  50% {format_size(MULTIPART_THRESHOLD)} / {total}"
    )

    listener.close()
    assert err.getvalue().endswith("\r\033[K")


def test_stage_console_shows_no_bar_for_a_dry_run(clock: Clock) -> None:
    err = Terminal()
    listener = StageConsole(Console(out=io.StringIO(), err=err))

    listener.begin(request(MULTIPART_THRESHOLD, dry_run=True), ["us-east-1"])
    listener.progress("us-east-1", "f0.bin", MULTIPART_THRESHOLD)
    listener.close()

    assert err.getvalue() == ""


def test_stage_console_shows_no_bar_for_small_files(clock: Clock) -> None:
    err = Terminal()
    listener = StageConsole(Console(out=io.StringIO(), err=err))

    listener.begin(request(10), ["us-east-1"])
    listener.progress("us-east-1", "f0.bin", 10)
    listener.close()

    assert err.getvalue() == ""
