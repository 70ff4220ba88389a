"""Twilio webhooks. Signature first (403), then one service call; answers are TwiML."""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.flows import call_dial_result, call_whisper, notice_audio_is_signed
from calls.services import call_record_recording, call_record_status, call_route_inbound
from calls.twiml import twiml_empty, twiml_hangup
from calls.webhooks import status_webhook_tokens, voice_webhook_tokens
from core.errors import DomainError
from pools.models import PoolNoticeAudio
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


@csrf_exempt
@require_POST
@twilio_signature_required(voice_webhook_tokens)
def twilio_dial_result(request):
    """<Dial action>: Twilio asks what next once the dial ends (DialCallStatus): voicemail when nobody answered."""
    return HttpResponse(call_dial_result(params=request.POST), content_type=TWIML)


@csrf_exempt
@require_POST
@twilio_signature_required(status_webhook_tokens)
def twilio_whisper(request):
    """<Number url>: what the business hears when it answers, before the caller is connected."""
    return HttpResponse(call_whisper(params=request.POST), content_type=TWIML)


@csrf_exempt
@require_POST
@twilio_signature_required(status_webhook_tokens)
def twilio_voicemail(request):
    """<Record action>: the message is recorded (its URL is in the request): store it, then hang up."""
    call_record_recording(params=request.POST, voicemail=True)
    return HttpResponse(twiml_hangup(), content_type=TWIML)


def notice_audio(request, pool_id: int, token: str):
    """The uploaded recording notice, fetched by the provider for <Play> (no credentials: the URL is signed)."""
    audio = PoolNoticeAudio.objects.filter(pool_id=pool_id).first()
    if audio is None or not notice_audio_is_signed(pool_id=pool_id, digest=audio.digest, token=token):
        raise Http404
    response = HttpResponse(bytes(audio.content), content_type=audio.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
