"""Every error code callpool answers with, defined once: DomainError codes (API, dashboard, commands)
and the public DNI endpoints' JSON errors. The API's `{"error": {"code"}}` is one of these.

A new code is added here first; `tests/core/test_error_codes.py` fails on a code written anywhere as a string
that this module doesn't list (and on two names for one code)."""

# Input that can't be read.
INVALID = "invalid"
INVALID_PHONE = "invalid_phone"
INVALID_STATUS = "invalid_status"
INVALID_COUNT = "invalid_count"
MISSING_CALL_ID = "missing_call_id"
INVALID_CALL_FLOW = "invalid_call_flow"  # a pool's or tracker's call flow (telephony.call_flow)

# The request is fine, the state doesn't allow it (the API answers 409).
CONFLICT = "conflict"
NOT_MANUAL = "not_manual"
TRACKER_DELETED = "tracker_deleted"
NUMBER_IN_USE = "number_in_use"
RETIRED = "retired"
NOT_SANDBOX = "not_sandbox"
AUTOMATED_POOL = "automated_pool"  # numbers by hand for a pool whose numbers the rules engine manages
LAST_ADMIN = "last_admin"  # demoting or removing an account's only admin
# The provider cannot supply numbers: the request is fine, the account's telephony state refuses it (409 too).
PROVIDER_ERROR = "provider_error"  # no credentials, refused, unreachable: the pool cannot get numbers
NO_NUMBERS = "no_numbers"  # nothing matching the pool's search
CANNOT_BUY_NUMBERS = "cannot_buy_numbers"  # none matches the pool's number request (area code, region, near)
CONFLICT_CODES = frozenset({CONFLICT, NOT_MANUAL, TRACKER_DELETED, NUMBER_IN_USE, RETIRED, NOT_SANDBOX, AUTOMATED_POOL, LAST_ADMIN,
                            PROVIDER_ERROR, NO_NUMBERS, CANNOT_BUY_NUMBERS})

# The provider or a simulation failed.
UNKNOWN_NUMBER = "unknown_number"
SIMULATION_FAILED = "simulation_failed"
ENDPOINT_DISABLED = "endpoint_disabled"
GA4_UNREACHABLE = "ga4_unreachable"
GA4_ERROR = "ga4_error"
AD_PLATFORM_OAUTH_FAILED = "ad_platform_oauth_failed"  # Google or Microsoft refused the authorization code (no refresh token)

# HTTP-level answers.
NOT_FOUND = "not_found"
BAD_CHARACTERS = "bad_characters"  # NUL bytes / lone surrogates in the request (core.middleware)

# Public DNI endpoints (dni_snippet).
UNKNOWN_WEBSITE = "unknown_website"
ORIGIN_NOT_ALLOWED = "origin_not_allowed"
RATE_LIMITED = "rate_limited"
BAD_CONTENT_TYPE = "bad_content_type"
BODY_TOO_LARGE = "body_too_large"
BAD_JSON = "bad_json"
JSON_TOO_DEEP = "json_too_deep"
PAGE_URL_REQUIRED = "page_url_required"
SESSION_ID_REQUIRED = "session_id_required"
BAD_EXPIRES_AT = "bad_expires_at"
UNKNOWN_POOL = "unknown_pool"
CLIENT_ID_REQUIRED = "client_id_required"
BAD_PARAMETER = "bad_parameter"
SOURCE_ORIGIN_NOT_ALLOWED = "source_origin_not_allowed"
