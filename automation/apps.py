from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation rules"

    def ready(self):
        from automation import receivers
        from calls.signals import call_event

        # A call's final state and its transcript run the rules (in the worker, once per call per trigger).
        call_event.connect(receivers.on_call_event, dispatch_uid="automation.call_event")
