from django.apps import AppConfig

from integrations.schedules import schedules


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from calls.signals import call_event, register_ring_listener
        from core.integration_status import register_integration_status
        from core.schedules import declare_schedules
        from integrations import receivers
        from integrations.selectors import account_has_webhook_endpoints, integration_status_list
        from trackers.signals import tracker_status_changed

        call_event.connect(receivers.on_call_event, dispatch_uid="integrations.call_event")
        register_ring_listener(receivers.RING_LISTENER, account_has_webhook_endpoints)
        tracker_status_changed.connect(receivers.on_tracker_status_changed, dispatch_uid="integrations.tracker_status")
        declare_schedules(self, schedules)
        register_integration_status(integration_status_list)
