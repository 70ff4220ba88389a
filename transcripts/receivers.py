"""A stored recording asks for its transcript (inside the recording's transaction; the work runs after commit)."""

import logging

from django.db import transaction

from calls.models import Call
from transcripts.services import transcript_request

logger = logging.getLogger(__name__)

# Events after which a call has a (new) recording in `recording_sid`/`recording_url`. Voicemails stored in those
# fields are covered; a recording kept elsewhere calls transcripts.services.transcript_request itself.
RECORDING_EVENTS = frozenset({"call.recording_ready", "call.voicemail_ready"})


def on_call_event(sender, call_id, event, **kwargs):
    if event not in RECORDING_EVENTS:
        return
    try:
        with transaction.atomic():
            call = Call.objects.filter(pk=call_id).first()
            if call is not None and call.recording_sid:
                transcript_request(call=call, recording_sid=call.recording_sid, recording_url=call.recording_url)
    except Exception:
        logger.exception("Asking for the transcript of call %s failed", call_id)
