from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import Account
from accounts.tenancy import TenantLinks
from automation.definitions import DEFAULT_HOURS, action_display
from calls.models import Call


def default_hours() -> dict:
    return {"hours": [dict(span) for span in DEFAULT_HOURS["hours"]], "holidays": []}


class AutomationRule(TenantLinks, models.Model):
    """An account's rule: when every condition holds for a call, do the actions (SPEC "Calls at work").
    Rules run in `position` order (1 first): the first rule that sets an outcome, value or score wins."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    # Canonical forms (automation.definitions): [{"field", "op", "value"}], [{"type", "value"?}].
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    # What "business hours" means in this rule's conditions, in the account's zone (SPEC call_flow's shape).
    business_hours = models.JSONField(default=default_hours)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="automation_rule_name_unique_per_account"),
            models.CheckConstraint(condition=~Q(name=""), name="automation_rule_name_not_empty"),
            models.CheckConstraint(condition=Q(position__gte=1), name="automation_rule_position_from_1"),
        ]
        indexes = [
            # The worker loads an account's enabled rules in order for every final call.
            models.Index(fields=["account", "enabled", "position"], name="automation_rule_account_idx"),
        ]

    def __str__(self):
        return self.name


class RuleApplyJob(TenantLinks, models.Model):
    """"Apply to past calls": one rule over the calls of a date range, run by the worker, with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="rule_apply_jobs")
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="apply_jobs")
    start_date = models.DateField()
    end_date = models.DateField(help_text="Inclusive, in the account's time zone.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=60)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "failed"]),
                                   name="automation_ruleapplyjob_status_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="automation_ruleapplyjob_range_ordered"),
        ]

    def __str__(self):
        return f"{self.rule} {self.start_date}–{self.end_date}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(100 * self.processed / self.total) if self.total else 0


class RuleRun(TenantLinks, models.Model):
    """The rules ran on one call for one trigger: at most once (the constraints, not a Python check), so a retried
    or duplicated task does nothing twice."""

    class Trigger(models.TextChoices):
        COMPLETED = "completed", "When the call ended"
        TRANSCRIPT = "transcript", "When its transcript arrived"
        APPLY = "apply", "Applied to past calls"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rule_runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    job = models.ForeignKey(RuleApplyJob, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "trigger"], condition=Q(job__isnull=True),
                                    name="automation_rulerun_once_per_call_trigger"),
            models.UniqueConstraint(fields=["call", "job"], condition=Q(job__isnull=False),
                                    name="automation_rulerun_once_per_call_job"),
            models.CheckConstraint(condition=Q(trigger="apply", job__isnull=False) | Q(~Q(trigger="apply"), job__isnull=True),
                                   name="automation_rulerun_job_iff_apply"),
        ]

    def __str__(self):
        return f"call {self.call_id} · {self.trigger}"


class RuleEffect(TenantLinks, models.Model):
    """The trace: what one rule did (or why it did not) to one call in one run. Append-only."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        UNCHANGED = "unchanged", "Already so"
        SKIPPED = "skipped", "Skipped"

    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="effects")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rule_effects")
    rule = models.ForeignKey(AutomationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="effects")
    rule_name = models.CharField(max_length=100, help_text="The rule's name then (kept if the rule is deleted).")
    action_type = models.CharField(max_length=12)
    value = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The call page's and the API's trace of one call.
            models.Index(fields=["call", "created_at"], name="automation_effect_call_idx"),
        ]

    def __str__(self):
        return f"{self.rule_name}: {self.action_type} ({self.status})"

    @property
    def display(self) -> str:
        """“Add tag: long call”."""
        return action_display({"type": self.action_type, "value": self.value})


class RuleNotification(TenantLinks, models.Model):
    """A rule's `notify` action, waiting to be sent (an outbox row, written with the run; a notifications sender
    picks it up: `automation.signals.rule_notification_created`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rule_notifications")
    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="notifications")
    rule = models.ForeignKey(AutomationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=100)
    recipients = models.JSONField(help_text="User ids and email addresses.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rule"], name="automation_rulenotification_once_per_run_rule"),
        ]
        indexes = [
            # The sender's queue: pending rows, oldest first.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="automation_notify_due_idx"),
        ]

    def __str__(self):
        return f"{self.rule_name} → {self.recipients}"
