"""The automation rule form of the dashboard: a few rows of condition and action fields (no script needed), turned
into the API's `conditions` / `actions` lists for the service, which checks them (automation.definitions)."""

from django import forms

from automation.definitions import ACTION_LABELS, DEFAULT_HOURS, FIELD_LABELS, OP_LABELS

CONDITION_ROWS_EXTRA, ACTION_ROWS_EXTRA, MIN_CONDITION_ROWS, MIN_ACTION_ROWS = 2, 1, 3, 2
DAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    enabled = forms.BooleanField(required=False, initial=True)
    open = forms.TimeField(label="Opens", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    close = forms.TimeField(label="Closes", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    days = forms.TypedMultipleChoiceField(choices=DAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    holidays = forms.CharField(required=False, max_length=2000, help_text="Dates YYYY-MM-DD, comma-separated.")

    def __init__(self, *args, condition_rows: int = MIN_CONDITION_ROWS, action_rows: int = MIN_ACTION_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.condition_rows, self.action_rows = condition_rows, action_rows
        for i in range(condition_rows):
            self.fields[f"c{i}_field"] = forms.ChoiceField(choices=[("", "—"), *FIELD_LABELS.items()], required=False, label="Field")
            self.fields[f"c{i}_op"] = forms.ChoiceField(choices=list(OP_LABELS.items()), required=False, label="Comparison")
            self.fields[f"c{i}_value"] = forms.CharField(required=False, max_length=2000, label="Value")
        for i in range(action_rows):
            self.fields[f"a{i}_type"] = forms.ChoiceField(choices=[("", "—"), *ACTION_LABELS.items()], required=False, label="Action")
            self.fields[f"a{i}_value"] = forms.CharField(required=False, max_length=2000, label="Value")

    @classmethod
    def for_rule(cls, rule=None, data=None):
        """The form for a new rule (rule None) or an existing one, with room for a few more rows."""
        conditions = rule.conditions if rule else []
        actions = rule.actions if rule else [{"type": "add_tag", "value": ""}]
        condition_rows = max(MIN_CONDITION_ROWS, len(conditions) + CONDITION_ROWS_EXTRA)
        action_rows = max(MIN_ACTION_ROWS, len(actions) + ACTION_ROWS_EXTRA)
        if data is not None:  # a posted form keeps the rows it was shown with
            condition_rows = max(condition_rows, sum(1 for key in data if key.endswith("_field")))
            action_rows = max(action_rows, sum(1 for key in data if key.endswith("_type")))
        hours: dict = rule.business_hours if rule else DEFAULT_HOURS
        span = (hours.get("hours") or [{"days": [], "open": "", "close": ""}])[0]
        initial = {"name": rule.name if rule else "", "enabled": rule.enabled if rule else True,
                   "days": span["days"], "open": span["open"] or None, "close": span["close"] or None,
                   "holidays": ", ".join(map(str, hours.get("holidays", [])))}
        for i, condition in enumerate(conditions):
            initial |= {f"c{i}_field": condition["field"], f"c{i}_op": condition["op"], f"c{i}_value": _text(condition["value"])}
        for i, action in enumerate(actions):
            initial |= {f"a{i}_type": action["type"], f"a{i}_value": _text(action.get("value"))}
        return cls(data, initial=initial, condition_rows=condition_rows, action_rows=action_rows)

    def condition_fields(self):
        return [(self[f"c{i}_field"], self[f"c{i}_op"], self[f"c{i}_value"]) for i in range(self.condition_rows)]

    def action_fields(self):
        return [(self[f"a{i}_type"], self[f"a{i}_value"]) for i in range(self.action_rows)]

    def conditions(self) -> list[dict]:
        data = self.cleaned_data
        return [{"field": data[f"c{i}_field"], "op": data[f"c{i}_op"], "value": data[f"c{i}_value"]}
                for i in range(self.condition_rows) if data.get(f"c{i}_field")]

    def actions(self) -> list[dict]:
        data, actions = self.cleaned_data, []
        for i in range(self.action_rows):
            kind, value = data.get(f"a{i}_type"), data.get(f"a{i}_value", "")
            if not kind:
                continue
            if kind == "notify":  # user ids are digits, the rest email addresses
                actions.append({"type": kind, "value": [int(p) if p.isdigit() else p
                                                        for p in (part.strip() for part in value.split(",")) if p]})
            else:
                actions.append({"type": kind, "value": value})
        return actions

    def business_hours(self) -> dict:
        data = self.cleaned_data
        hours = ([{"days": data["days"], "open": data["open"].strftime("%H:%M"), "close": data["close"].strftime("%H:%M")}]
                 if data.get("days") and data.get("open") and data.get("close") else [])
        holidays = [day.strip() for day in (data.get("holidays") or "").split(",") if day.strip()]
        return {"hours": hours, "holidays": holidays}

    def definition(self) -> dict:
        return {"name": self.cleaned_data["name"], "enabled": self.cleaned_data["enabled"],
                "conditions": self.conditions(), "actions": self.actions(), "business_hours": self.business_hours()}


class RuleApplyForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
