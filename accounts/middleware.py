"""Times a person reads are in their account's time zone (SPEC "Time"); the API speaks UTC."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.selectors import account_for_request

# The REST API (token auth) stays UTC ISO 8601, even when a browser with a session cookie calls it.
UTC_PREFIXES = ("/api/",)


class AccountTimezoneMiddleware:
    """For a logged-in user: resolve their account once (request.account, reused by the dashboard) and activate its
    IANA zone for the request, so templates, admin lists and forms show and read times in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(UTC_PREFIXES):
            return self.get_response(request)
        request.account = account_for_request(request)
        if request.account is None:
            return self.get_response(request)
        with timezone.override(ZoneInfo(request.account.timezone)):
            return self.get_response(request)
