"""Login throttling on top of django-axes.

`AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]` counts failures per username and, separately, per client
IP. django-axes' own reset on a successful login deletes every attempt matching *either* count, so one login of
your own wiped the failures you had just made against someone else's username from the same address. Here a
success forgets only the failures of that username from that address; what the address tried against other
usernames still counts towards its lockout.

The admin's "change password" form checks the old password through `authenticate()` too, so its guesses count
(and lock out) like login failures.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError


class ScopedResetHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


class ThrottledPasswordChangeForm(AdminPasswordChangeForm):
    """The old password is checked by `authenticate()`, so django-axes records wrong guesses and refuses locked ones."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
