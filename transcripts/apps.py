from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "transcripts"

    def ready(self):
        from calls.signals import call_event
        from transcripts.receivers import on_call_event

        call_event.connect(on_call_event, dispatch_uid="transcripts.on_call_event")

        from core.voicemail_transcription import register_voicemail_transcription
        from transcripts.selectors import voicemail_transcription_callback

        register_voicemail_transcription(voicemail_transcription_callback)
