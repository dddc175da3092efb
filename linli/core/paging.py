"""Paging shared by every list: the API's page-number pagination (``linli.core.api.Pagination``),
Open311's ``page``/``page_size`` and the pages' pager (``_pager.html``).

Each door type has one behaviour for a page number out of range:

- API and Open311: a page number outside 1…``MAX_PAGE`` is bad input (422 naming ``page`` on the
  API, a GeoReport 400 on Open311); a page within range but past the end is an empty list. The bound
  keeps ``(page − 1) × page_size`` inside the 64-bit OFFSET every database takes.
- pages: Django's ``Paginator.get_page`` — a page number that is not a number shows the first page,
  one past the end (or below 1) the last page; nothing reaches the database unbounded.

A list of a city counts its rows once per request for its pager: ``CountedPaginator`` takes a count
the caller already has (a kept summary, or a count that stopped at a bound, ``more``) instead of
running ``COUNT(*)`` over the rows.
"""

from typing import Any

from django.core.paginator import Paginator

MAX_PAGE = 1_000_000


class CountedPaginator(Paginator):
    """A ``Paginator`` whose count is given (``count``), not counted; ``more`` says the list has more
    rows than that (the pager then offers the pages of the first ``count`` rows)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, more: bool = False) -> None:
        super().__init__(object_list, per_page)
        self._given = count
        self.more = more

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._given
