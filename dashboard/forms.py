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


DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CallFlowForm(forms.Form):
    """The call flow editor (dashboard pool page): one opening per day, holidays one per line; `to_flow()` is the
    API's JSON, which pools.services.pool_update validates again (telephony.call_flow.call_flow_clean)."""

    enabled = forms.BooleanField(required=False, label="Use business hours and voicemail",
                                 help_text="Off: every call rings the original number, whenever it comes.")
    holidays = forms.CharField(required=False, label="Holidays (closed all day)", widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="One date a line, e.g. 2026-12-25.")
    closed_action = forms.ChoiceField(label="When closed", widget=forms.RadioSelect, initial="voicemail",
                                      choices=[("voicemail", "Take a voicemail"), ("forward", "Ring an after-hours number")])
    after_hours_number = forms.CharField(required=False, max_length=32, label="After-hours number")
    ring_seconds = forms.IntegerField(label="Ring for (seconds), then voicemail", min_value=5, max_value=120, initial=20)
    recording_notice = forms.CharField(required=False, max_length=500, label="Recording notice (spoken before connecting)",
                                       help_text="Played only when the pool records calls.")
    whisper = forms.CharField(required=False, max_length=500, label="Whisper to the business",
                              help_text="Heard by whoever answers, before the caller is connected. "
                                        "Placeholders: {source}, {medium}, {campaign}, {keyword}, {pool}.")
    voicemail_greeting = forms.CharField(required=False, max_length=500, label="Voicemail greeting")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index, day in enumerate(DAY_LABELS):
            self.fields[f"open_{index}"] = forms.TimeField(required=False, label=f"{day} opens",
                                                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
            self.fields[f"close_{index}"] = forms.TimeField(required=False, label=f"{day} closes",
                                                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    @property
    def days(self):
        """(label, open field, close field) per day, for the template."""
        return [(day, self[f"open_{index}"], self[f"close_{index}"]) for index, day in enumerate(DAY_LABELS)]

    @staticmethod
    def initial_from(flow: dict | None) -> dict:
        if flow is None:
            return {"enabled": False, "closed_action": "voicemail", "ring_seconds": 20}
        initial = {
            "enabled": True, "holidays": "\n".join(flow.get("holidays") or []),
            "closed_action": (flow.get("closed") or {}).get("action", "voicemail"),
            "after_hours_number": (flow.get("closed") or {}).get("number", ""),
            "ring_seconds": flow.get("ring_seconds", 20), "recording_notice": flow.get("recording_notice", ""),
            "whisper": flow.get("whisper", ""), "voicemail_greeting": flow.get("voicemail_greeting", ""),
        }
        for opening in flow.get("hours") or []:
            for day in opening["days"]:
                initial.setdefault(f"open_{day}", opening["open"])
                initial.setdefault(f"close_{day}", "00:00" if opening["close"] == "24:00" else opening["close"])
        return initial

    def clean(self):
        cleaned = super().clean() or {}
        for index, day in enumerate(DAY_LABELS):
            opens, closes = cleaned.get(f"open_{index}"), cleaned.get(f"close_{index}")
            if (opens is None) != (closes is None):
                self.add_error(f"open_{index}", f"{day}: give both the opening and the closing time, or neither.")
        if cleaned.get("closed_action") == "forward" and not cleaned.get("after_hours_number"):
            self.add_error("after_hours_number", "Which number rings after hours?")
        return cleaned

    def to_flow(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("enabled"):
            return None
        by_range: dict[tuple[str, str], list[int]] = {}
        for index in range(7):
            opens, closes = data.get(f"open_{index}"), data.get(f"close_{index}")
            if opens is not None and closes is not None:
                close_text = "24:00" if closes.hour == closes.minute == 0 else f"{closes:%H:%M}"
                by_range.setdefault((f"{opens:%H:%M}", close_text), []).append(index)
        closed = {"action": data["closed_action"]}
        if data["closed_action"] == "forward":
            closed["number"] = data["after_hours_number"]
        flow = {
            "hours": [{"days": days, "open": opens, "close": closes} for (opens, closes), days in by_range.items()],
            "holidays": [line.strip() for line in (data.get("holidays") or "").splitlines() if line.strip()],
            "closed": closed, "ring_seconds": data["ring_seconds"],
        }
        for key in ("recording_notice", "whisper", "voicemail_greeting"):
            if data.get(key):
                flow[key] = data[key]
        return flow


class FlowPreviewForm(forms.Form):
    at = forms.DateTimeField(required=False, label="A call at", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
