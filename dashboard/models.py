"""What a person keeps of the calls log: their columns and page size, and their saved views (per user and account)."""

from django.conf import settings
from django.db import models

from accounts.models import Account


class CallLogPreference(models.Model):
    """One person's calls-log layout in one account: which columns (dashboard.call_columns keys, in order) and how
    many calls a page. Written by the log's "Columns" form; a saved view or a link can still override both."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=list)
    per_page = models.PositiveSmallIntegerField(default=50)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="dashboard_calllogpreference_one_per_member"),
            models.CheckConstraint(condition=models.Q(per_page__in=[25, 50, 100]), name="dashboard_calllogpreference_per_page"),
        ]

    def __str__(self):
        return f"calls log of user {self.user_id} in account {self.account_id}"


class SavedCallView(models.Model):
    """A named calls-log view: filters, date range, sort, columns and page size as the log's own query parameters
    (only the names dashboard.call_views.VIEW_PARAMS allows). Applying it opens the log with them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account", "name"], name="dashboard_savedcallview_unique_name"),
        ]
        # The log's "Saved views" list: this person's views in this account, by name (the unique index serves it).
        ordering = ["name"]

    def __str__(self):
        return self.name
