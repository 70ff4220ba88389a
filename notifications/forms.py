from django import forms

from notifications.models import ReportFrequency, SummaryFrequency
from reports.aggregates import DIMENSIONS


class PreferenceForm(forms.Form):
    every_call = forms.BooleanField(required=False, label="Every call")
    missed = forms.BooleanField(required=False, label="Missed and abandoned calls")
    first_time = forms.BooleanField(required=False, label="First-time callers")
    conversions = forms.BooleanField(required=False, label="Conversions")
    by_email = forms.BooleanField(required=False, label="By email")
    slack_url = forms.URLField(required=False, max_length=500, assume_scheme="https", label="Slack incoming-webhook URL",
                               help_text="Optional. Any Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).")
    summary = forms.ChoiceField(choices=SummaryFrequency.choices, widget=forms.RadioSelect, label="Summary email")
    integration_alerts = forms.BooleanField(required=False, label="Email me when an integration keeps failing",
                                            help_text="A webhook endpoint disabled, GA4 rejecting conversions.")

    def __init__(self, *args, is_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_admin:
            del self.fields["integration_alerts"]


def _addresses(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


class ScheduledReportForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="Leave empty for the report's name.")
    dimension = forms.ChoiceField(choices=[(d.name, d.label) for d in DIMENSIONS.values()], label="Report")
    website = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Website")
    frequency = forms.ChoiceField(choices=ReportFrequency.choices, widget=forms.RadioSelect, initial=ReportFrequency.WEEKLY)
    recipients = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                                 help_text="Email addresses, separated by commas or new lines.")

    def __init__(self, *args, websites, **kwargs):
        super().__init__(*args, **kwargs)
        self.websites = {site.pk: site for site in websites}
        self.fields["website"].choices = [("", "All websites"), *((site.pk, site.name) for site in websites)]  # type: ignore[attr-defined]

    def clean_recipients(self) -> list[str]:
        return _addresses(self.cleaned_data["recipients"])

    def clean_website(self):
        pk = self.cleaned_data["website"]
        return None if pk is None else self.websites[pk]
