from django.core.paginator import Paginator
from django.utils.functional import cached_property

# The admin lists 100 rows a page; 100 pages is as far as anyone pages before filtering instead.
COUNT_CAP = 10_000


class CheapPaginator(Paginator):
    """An honest count that stays cheap on huge tables (Visits, Calls): COUNT(*) over a LIMITed subquery stops at
    `cap` + 1 rows. Past the cap, `count` is the cap (so the page links end at the last page that exists within it)
    and `is_capped` says so: the list reads "more than 10,000 calls" (templates/admin/pagination.html), like
    Healthchecks showing "many" past a limit."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()  # type: ignore[attr-defined]  # a QuerySet here; SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        return self._counted > self.cap
