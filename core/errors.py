"""The one application error type. The API turns it into {"error": {...}}, the dashboard into a form error."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    @classmethod
    def from_validation_error(cls, exc) -> "DomainError":
        """A Django ValidationError (from full_clean) as the one error shape, keeping its per-field messages."""
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return cls("invalid", next(iter(fields.values()))[0], fields)

    def as_dict(self) -> dict:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


def full_clean_or_raise(instance) -> None:
    """Model validation for services: a failed full_clean() becomes the one DomainError shape."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from None
