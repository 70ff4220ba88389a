from django import forms
from django.core.exceptions import ValidationError

from calls.models import Call
from core.phones import parse_phone


class TestCallForm(forms.Form):
    """A sandbox test call to one of the pool's numbers, placed through the real webhooks."""

    tracker = forms.TypedChoiceField(coerce=int, label="Call this number")
    caller = forms.CharField(label="From", max_length=32, initial="(415) 555-0100")
    duration_seconds = forms.IntegerField(label="Talk time (seconds)", min_value=0, max_value=3600, initial=90)
    answered = forms.BooleanField(label="Answered", required=False, initial=True)

    def __init__(self, *args, trackers, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["tracker"].choices = [(t.pk, t.tracking_number) for t in trackers]  # type: ignore[attr-defined]

    def clean_caller(self):
        try:
            return parse_phone(self.cleaned_data["caller"], self.region)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None


class AddNumbersForm(forms.Form):
    count = forms.IntegerField(label="How many numbers", min_value=1, max_value=50, initial=1)


class CallOutcomeForm(forms.Form):
    """What the call was: outcome, its value (overrides the conversion rule's) and a note."""

    outcome = forms.ChoiceField(choices=[("", "Not set"), *Call.Outcome.choices], required=False)
    value = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_note(self):
        note = self.cleaned_data["note"]
        if "\x00" in note:
            raise ValidationError("Null characters are not allowed.")
        return note
