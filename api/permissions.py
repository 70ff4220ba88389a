from rest_framework import permissions

from api.models import ApiToken


class HasAccountToken(permissions.BasePermission):
    """Any valid token reads; writing needs the write scope."""

    message = "This token has the read scope; writing needs a token with the write scope."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token.can_write
