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


SCORE_CHOICES = [("", "No score"), *((str(n), "★" * n) for n in range(1, 6))]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class CallMarksForm(forms.Form):
    """The call page's tags (the account's, ticked) plus new ones typed comma-separated, and a 1–5 score."""

    tags = forms.MultipleChoiceField(required=False)
    new_tags = forms.CharField(max_length=500, required=False, label="New tags")
    score = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False)

    def __init__(self, *args, tag_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(name, name) for name in tag_names]  # type: ignore[attr-defined]

    def tag_names(self) -> list[str]:
        return [*self.cleaned_data["tags"], *_names(self.cleaned_data["new_tags"])]


class CallBulkForm(forms.Form):
    """The calls log's bulk edit: the ticked calls and one change."""

    ACTIONS = [("add_tag", "Add tag"), ("set_score", "Set score"), ("set_outcome", "Set outcome"),
               ("mark_spam", "Mark spam"), ("not_spam", "Not spam")]

    calls = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": "Tick at least one call."})
    action = forms.ChoiceField(choices=ACTIONS)
    tag = forms.CharField(max_length=50, required=False)
    score = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False)
    outcome = forms.ChoiceField(choices=[("", "Not set"), *Call.Outcome.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id: the service keeps only the account's own calls.
        self.fields["calls"].choices = [(value, value) for value in getattr(self.data, "getlist", lambda _: [])("calls") if str(value).isdigit()]  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        if cleaned.get("action") == "add_tag" and not (cleaned.get("tag") or "").strip():
            self.add_error("tag", "Name the tag to add.")
        return cleaned

    def changes(self) -> dict:
        """call_mark's keywords for the chosen action."""
        data = self.cleaned_data
        return {
            "add_tag": lambda: {"add_tags": [data["tag"]]},
            "set_score": lambda: {"score": data["score"]},
            "set_outcome": lambda: {"outcome": data["outcome"]},
            "mark_spam": lambda: {"spam": True},
            "not_spam": lambda: {"spam": False},
        }[data["action"]]()
