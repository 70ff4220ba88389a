"""Admin forms that take phone numbers in any form, read in the account's region (core.phones)."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from core.phones import parse_phone

if TYPE_CHECKING:  # what the mixin is mixed into, for mypy
    from django.forms import ModelForm as _ModelFormBase
else:
    _ModelFormBase = object


class PhoneFieldsFormMixin(_ModelFormBase):
    """For ModelForms: parse `phone_fields` with the region of `phone_region(cleaned_data)` in clean(),
    and validate the model on the parsed number (E.164), not the typed one.

    `phone_fields_on_create_only`: fields read-only after creation are parsed only when adding."""

    phone_fields: tuple[str, ...] = ()
    phone_fields_on_create_only = False

    def phone_region(self, cleaned: dict) -> str | None:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean() returns cleaned_data
        if self.phone_fields_on_create_only and self.instance.pk:
            return cleaned
        region = self.phone_region(cleaned)
        for field in self.phone_fields:
            raw = cleaned.get(field)
            if not raw or not region:
                continue
            try:
                cleaned[field] = parse_phone(raw, region)
            except ValidationError as exc:
                self.add_error(field, exc)
        return cleaned

    def _post_clean(self):
        for field in self.phone_fields:
            if field in self.cleaned_data:
                setattr(self.instance, field, self.cleaned_data[field])
        super()._post_clean()  # type: ignore[misc]  # private in the stubs
