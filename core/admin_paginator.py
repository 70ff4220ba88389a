from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CheapPaginator(Paginator):
    """Skips COUNT(*) over huge tables (Visits, Calls): the admin shows "Next" pages without a total."""

    @cached_property
    def count(self):
        return 1_000_000_000
