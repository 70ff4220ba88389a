"""`Authorization: Token <key>`: the request acts for the token's account, with the token's scope."""

from rest_framework import authentication, exceptions

from api.models import ApiToken, hash_key
from api.services import api_token_touch


class TokenPrincipal:
    """request.user for API calls: an account, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.account = token.account
        self.pk = None
        self.username = f"api:{token.key_hint}"

    def __str__(self):
        return self.username


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Use “Authorization: Token <key>”.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = (
            ApiToken.objects.select_related("account", "created_by")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid or was revoked.")
        api_token_touch(token=token)
        return TokenPrincipal(token), token

    def authenticate_header(self, request):
        # A WWW-Authenticate header makes DRF answer 401 (not 403) to requests without a token.
        return self.keyword
