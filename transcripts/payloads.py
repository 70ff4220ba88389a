"""The transcript as the API (`?include=transcript`) and the `call.transcript_ready` webhook show it."""

from rest_framework import serializers

from calls.payloads import CallOutputSerializer
from transcripts.models import Transcript


class TranscriptSegmentSerializer(serializers.Serializer):
    speaker = serializers.CharField(help_text="caller | business (two-channel recordings) | speaker (one channel).")
    start = serializers.FloatField(help_text="Seconds from the recording's start.")
    end = serializers.FloatField()
    text = serializers.CharField()


class TranscriptSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Transcript.Status.choices)
    backend = serializers.CharField(help_text="local | twilio")
    recording_sid = serializers.CharField(help_text="Which recording of the call (a call recording or a voicemail).")
    text = serializers.CharField()
    segments = TranscriptSegmentSerializer(many=True, help_text="Speaker turns with times, where the backend gives them.")
    heard = serializers.ListField(child=serializers.CharField(), source="heard_phrases",
                                  help_text="The account's key phrases keyword spotting heard in the audio (local backend).")
    ready_at = serializers.DateTimeField(allow_null=True)


def newest_transcript(call) -> Transcript | None:
    """The newest ready transcript of the call, else its newest (pending/failed); reads a prefetched
    `transcripts` when there is one."""
    transcripts = sorted(call.transcripts.all(), key=lambda t: (t.created_at, t.pk), reverse=True)
    return next((t for t in transcripts if t.status == Transcript.Status.READY), transcripts[0] if transcripts else None)


class CallWithTranscriptSerializer(CallOutputSerializer):
    transcript = serializers.SerializerMethodField(help_text="The call's transcript, or null (none asked for yet).")

    def get_transcript(self, call) -> dict | None:
        transcript = newest_transcript(call)
        return None if transcript is None else TranscriptSerializer(transcript).data


def call_transcript_data(call) -> dict:
    """`call.transcript_ready`'s data: the call as every call webhook has it, plus `transcript`."""
    return CallWithTranscriptSerializer(call).data
