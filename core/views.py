from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.login_throttle import ThrottledPasswordChangeForm
from core.models import Heartbeat


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:
        database_ok = False
    beat = Heartbeat.objects.filter(name="worker").first() if database_ok else None
    worker_age = (timezone.now() - beat.beat_at).total_seconds() if beat else None
    worker_ok = worker_age is not None and worker_age <= settings.HEALTHZ_WORKER_MAX_AGE_SECONDS
    body = {
        "status": "ok" if database_ok else "error",
        "database": "ok" if database_ok else "unreachable",
        "worker": "ok" if worker_ok else ("stale" if beat else "never seen"),
        "worker_heartbeat_age_seconds": round(worker_age, 1) if worker_age is not None else None,
    }
    # The web process is healthy when its database is; a stale worker is reported, not fatal.
    return JsonResponse(body, status=200 if database_ok else 503)


class _ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def admin_password_change(request):
    """The admin's own "change password" page, with the old password's guesses throttled like logins."""
    view = _ThrottledPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done"),
        extra_context=admin.site.each_context(request),
    )
    request.current_app = admin.site.name
    return admin.site.admin_view(view)(request)
