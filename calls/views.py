"""Twilio webhooks. Signature first (403), then one service call; answers are TwiML."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.services import call_record_recording, call_record_status, call_route_inbound
from calls.twiml import twiml_empty
from calls.webhooks import status_webhook_tokens, voice_webhook_tokens
from core.errors import DomainError
from telephony.webhooks import twilio_signature_required

TWIML = "application/xml"


@csrf_exempt
@require_POST
@twilio_signature_required(voice_webhook_tokens)
def twilio_voice(request):
    twiml = call_route_inbound(params=request.POST, now=timezone.now(), tracker=request.inbound_tracker)
    return HttpResponse(twiml, content_type=TWIML)


@csrf_exempt
@require_POST
@twilio_signature_required(status_webhook_tokens)
def twilio_status(request):
    # Unknown calls get the same harmless 200: Twilio stops retrying, nothing is created.
    try:
        call_record_status(params=request.POST, now=timezone.now())
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain")
    return HttpResponse(twiml_empty(), content_type=TWIML)


@csrf_exempt
@require_POST
@twilio_signature_required(status_webhook_tokens)
def twilio_recording(request):
    # Idempotent; an unknown call gets the same harmless 200 so Twilio stops retrying.
    call_record_recording(params=request.POST)
    return HttpResponse(twiml_empty(), content_type=TWIML)
