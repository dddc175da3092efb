"""候选提供者: providers the matching of needs may propose beyond the services module's own.

The services module matches needs (the three lists) with services and resources; a higher module
with people who could help (registered volunteers) offers them here from its ``AppConfig.ready``::

    from linli.core.candidates import Candidate, register_candidates
    register_candidates("volunteers", volunteer_candidates)
    # volunteer_candidates(region_codes: set[str]) -> list[Candidate]

``region_codes`` are the statistical codes of the needs' regions; a source returns the candidates
that could serve them, one per service category a candidate offers. ``key`` is the candidate's
identity in the batch ("v12": a letter unique to the source, then a number); ``name`` is what the
worker reads (a masked name for a person); ``url`` is where the worker takes a match up (the source's
own page; the need's id is appended: ``"/volunteers/activities/new/?need="``). The services module never imports the
source: it only reads this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    key: str
    name: str
    category_id: int  # a services TaxonomyTerm id
    region_code: str  # the area served ("" anywhere)
    lat: float | None
    lon: float | None
    days: tuple[int, ...] = ()  # ISO weekdays, () = any
    period: str = "any"  # any | morning | afternoon | evening
    capacity: int = 1
    kind: str = "志愿者"  # shown beside the name
    url: str = ""  # "…?need=", the need's id appended
    detail: str = field(default="", compare=False)


CandidateSource = Callable[[set[str]], list[Candidate]]
CANDIDATE_SOURCES: dict[str, CandidateSource] = {}


def register_candidates(name: str, source: CandidateSource) -> None:
    CANDIDATE_SOURCES[name] = source


def candidates_for(region_codes: set[str]) -> list[Candidate]:
    """Every registered source's candidates for needs in ``region_codes``, in the sources' name order."""
    out: list[Candidate] = []
    for name in sorted(CANDIDATE_SOURCES):
        out += CANDIDATE_SOURCES[name](region_codes)
    return out
