"""django-q2 entry points of calls: load by id, call a service."""

from calls.outcomes import website_conversions_recompute


def recompute_website_conversions(website_id: int) -> int:
    return website_conversions_recompute(website_id=website_id)
