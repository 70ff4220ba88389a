from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1


class ApiPagination(LimitOffsetPagination):
    """?limit=&offset=, with bounds so huge numbers can't reach the database as overflowing integers."""

    default_limit = 50
    max_limit = 500

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)
