from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "transcripts"

    def ready(self):
        from calls.signals import call_event
        from transcripts.receivers import on_call_event

        call_event.connect(on_call_event, dispatch_uid="transcripts.on_call_event")
