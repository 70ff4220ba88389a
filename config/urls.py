from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import admin_password_change, healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # Before the admin's own route of the same path: old-password guesses count as login failures.
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("dashboard.urls")),
    path("dni/", include("dni_snippet.urls")),
    path("telephony/", include("calls.urls")),
    path("telephony/", include("transcripts.urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("integrations/", include("integrations.urls")),
    path("dashboard/integrations/", include("integrations.dashboard_urls")),
    path("dashboard/notifications/", include("notifications.urls")),
    path("notifications/", include("notifications.public_urls")),
]
