"""Which version is the latest: the version records of the regions, and the project indexes.

The value a majority of the regions' version records hold, else the highest (Startifact
1.x's rule); never a version an index says is yanked, since a region whose record could not
be moved when it was yanked may still name it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from packaging.version import Version

from hatch_startifact.errors import AllYankedError, NoSuchProjectError, UnavailableError
from hatch_startifact.reading.found import Indexed, Warn
from hatch_startifact.store.index import choose_latest


def choose(
    project: str, records: Mapping[str, str | Exception | None], *, parameter: str, regions: int
) -> str:
    """The version the records choose: what a majority of all ``regions`` hold, else the
    highest any holds.

    :param records: region -> its record's value, ``None`` when it has none, or why it could
        not be read.
    :param parameter: the records' parameter name, for the messages.
    :raises NoSuchProjectError: no region that answered has a record.
    :raises UnavailableError: no region answered.
    """
    answers = {r: v for r, v in records.items() if not isinstance(v, Exception)}
    failures = [str(v) for v in records.values() if isinstance(v, Exception)]
    votes = Counter(v for v in answers.values() if v)
    if votes and votes.most_common(1)[0][1] >= regions // 2 + 1:
        return votes.most_common(1)[0][0]
    if votes:
        return max(votes, key=Version)
    if answers:
        raise NoSuchProjectError(
            f"no such project {project!r}: no region has a version record {parameter}"
            + (f" ({'; '.join(failures)})" if failures else "")
        )
    raise UnavailableError(
        f"could not read {parameter} from any region ({'; '.join(failures)}): check your "
        "credentials and network, or name regions that answer with --regions"
    )


def not_yanked(
    project: str, indexes: Mapping[str, Indexed], chosen: str | NoSuchProjectError, warn: Warn
) -> str:
    """``chosen``, unless an index says it is yanked (a region whose record could not be
    moved): then the highest version not yanked, with a warning.

    :param chosen: what the records chose, or why they chose nothing.
    :raises AllYankedError: every staged version is yanked.
    """
    yanked = {v for _, index in indexes.values() for v in index.yanked}
    if isinstance(chosen, str) and chosen not in yanked:
        return chosen
    staged = {v for _, index in indexes.values() for v, _ in index.versions}
    fallback = choose_latest(staged - yanked)
    if fallback is None and staged and staged <= yanked:
        listed = sorted(staged, key=Version, reverse=True)
        raise AllYankedError(
            f"every version of {project} is yanked ({', '.join(listed[:10])}"
            f"{' ...' if len(listed) > 10 else ''}): there is no latest version; name a "
            "version to download it anyway, or unyank one with `startifact unyank`"
        )
    if isinstance(chosen, Exception):
        raise chosen
    if fallback is None:
        return chosen
    warn(
        f"the version record of {project} names {chosen}, which is yanked; using "
        f"{fallback}, the highest version not yanked (yanking {chosen} again moves the "
        "record in every region)"
    )
    return fallback
