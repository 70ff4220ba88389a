"""Twilio's transcription callback: signature first (403, the same keys as the recording callback), then one
service call."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.twiml import twiml_empty
from calls.webhooks import status_keys_for
from telephony.models import Provider
from telephony.webhooks import webhook_signature_required
from transcripts.services import transcript_record_provider


@csrf_exempt
@require_POST
@webhook_signature_required(Provider.TWILIO, status_keys_for(Provider.TWILIO))
def twilio_transcription(request):
    # Idempotent; an unknown call or an account not on the twilio backend gets the same harmless 200.
    transcript_record_provider(params=request.POST)
    return HttpResponse(twiml_empty(), content_type="application/xml")
