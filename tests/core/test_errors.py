from django.core.exceptions import ValidationError

from core.errors import DomainError


def test_a_field_validation_error_keeps_its_fields_and_first_message():
    error = DomainError.from_validation_error(ValidationError({"size": ["Too big."], "name": ["Required."]}))
    assert (error.code, error.message) == ("invalid", "Too big.")
    assert error.as_dict() == {"code": "invalid", "message": "Too big.", "fields": {"size": ["Too big."], "name": ["Required."]}}


def test_a_non_field_validation_error_lands_under_all():
    error = DomainError.from_validation_error(ValidationError("Nope."))
    assert error.fields == {"__all__": ["Nope."]}
