from django.contrib import admin

admin.site.site_header = "callpool administration"
admin.site.site_title = "callpool admin"
admin.site.index_title = "Accounts, websites, pools and trackers"
# Lists get the whole width of a laptop (the index page and the breadcrumbs lead everywhere, and the dashboard's
# Settings menu links into each list): the nav sidebar took 300 px of a 1366 px screen from every table.
admin.site.enable_nav_sidebar = False


class ViewOnlyAdminMixin:
    """Rows the product writes (logs, traces, jobs, outboxes): listed and opened in the admin, never added or
    edited by hand. Put it before the ModelAdmin base."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
