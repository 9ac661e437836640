"""hatch_startifact.display: sizes, file lines, the progress bar and the one stage display."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hatch_startifact import display as display_module
from hatch_startifact.aws import MULTIPART_THRESHOLD
from hatch_startifact.cli.console import Console
from hatch_startifact.display import ProgressBar, StageDisplay, file_line, format_size
from hatch_startifact.staging.artifacts import Artifact
from hatch_startifact.staging.report import FileResult, Status
from hatch_startifact.staging.request import StageRequest
from tests.helpers import Clock, Terminal, make_console


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(display_module, "time", fake)
    return fake


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


# ---- StageDisplay, drawing on the command line's console --------------------------------


def request(*sizes: int, dry_run: bool = False) -> StageRequest:
    artifacts = tuple(
        Artifact(Path(f"f{i}.bin"), f"f{i}.bin", size, "0" * 64, "0" * 32)
        for i, size in enumerate(sizes)
    )
    return StageRequest("my-lib", "1.0.0", artifacts, dry_run=dry_run)


def test_stage_display_prints_a_line_per_file_and_region() -> None:
    console, out, _ = make_console()
    listener = StageDisplay(console)

    listener.begin(request(10), ["us-east-1"])
    listener.file_done(FileResult("us-east-1", "f0.bin", Status.STAGED, size=10))
    listener.region_failed("eu-west-2", "access denied")
    listener.close()

    assert out.getvalue() == (
        "staged          us-east-1       f0.bin (10 B)\n"
        "failed          eu-west-2       access denied\n"
    )


def test_stage_display_shows_a_bar_for_large_uploads_on_a_terminal(
    clock: Clock,
) -> None:
    err = Terminal()
    listener = StageDisplay(Console(out=io.StringIO(), err=err))

    listener.begin(request(MULTIPART_THRESHOLD, 10), ["us-east-1", "eu-west-2"])
    listener.progress("us-east-1", "f0.bin", MULTIPART_THRESHOLD)

    total = format_size(2 * MULTIPART_THRESHOLD)
    assert err.getvalue() == (
        f"\r[{'#' * 15}{'.' * 15}]  50% {format_size(MULTIPART_THRESHOLD)} / {total}"
    )

    listener.close()
    assert err.getvalue().endswith("\r\033[K")


def test_stage_display_shows_no_bar_for_a_dry_run(clock: Clock) -> None:
    err = Terminal()
    listener = StageDisplay(Console(out=io.StringIO(), err=err))

    listener.begin(request(MULTIPART_THRESHOLD, dry_run=True), ["us-east-1"])
    listener.progress("us-east-1", "f0.bin", MULTIPART_THRESHOLD)
    listener.close()

    assert err.getvalue() == ""


def test_stage_display_shows_no_bar_for_small_files(clock: Clock) -> None:
    err = Terminal()
    listener = StageDisplay(Console(out=io.StringIO(), err=err))

    listener.begin(request(10), ["us-east-1"])
    listener.progress("us-east-1", "f0.bin", 10)
    listener.close()

    assert err.getvalue() == ""
