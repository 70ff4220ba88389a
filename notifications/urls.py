from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_settings, name="settings"),
    path("save", views.notification_settings_save, name="settings-save"),
    path("reports/new", views.scheduled_report_new, name="report-new"),
    path("reports/", views.scheduled_report_create, name="report-create"),
    path("reports/<int:pk>/delete", views.scheduled_report_delete, name="report-delete"),
]
