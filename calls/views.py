"""Provider webhooks (Twilio, SignalWire's LaML, Telnyx's TeXML). Signature first (403), then one service call;
answers are TwiML, which LaML and TeXML read as they are."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.services import call_record_recording, call_record_status, call_route_inbound
from calls.twiml import twiml_empty
from calls.webhooks import status_keys_for, voice_keys_for
from core.errors import DomainError
from telephony.models import Provider
from telephony.recordings import telnyx_recording_callback_params
from telephony.webhooks import webhook_signature_required

TWIML = "application/xml"


def _voice_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, voice_keys_for(provider))
    def voice(request):
        twiml = call_route_inbound(params=request.POST, now=timezone.now(), tracker=request.inbound_tracker,
                                   webhook_prefix=provider)
        return HttpResponse(twiml, content_type=TWIML)

    voice.__name__ = voice.__qualname__ = f"{provider}_voice"
    return voice


def _status_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, status_keys_for(provider))
    def status(request):
        # Unknown calls get the same harmless 200: the provider stops retrying, nothing is created.
        try:
            call_record_status(params=request.POST, now=timezone.now())
        except DomainError as exc:
            return HttpResponseBadRequest(exc.message, content_type="text/plain")
        return HttpResponse(twiml_empty(), content_type=TWIML)

    status.__name__ = status.__qualname__ = f"{provider}_status"
    return status


def _recording_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, status_keys_for(provider))
    def recording(request):
        # Idempotent; an unknown call gets the same harmless 200 so the provider stops retrying.
        params = telnyx_recording_callback_params(request.POST) if provider == Provider.TELNYX else request.POST
        call_record_recording(params=params)
        return HttpResponse(twiml_empty(), content_type=TWIML)

    recording.__name__ = recording.__qualname__ = f"{provider}_recording"
    return recording


twilio_voice = _voice_view(Provider.TWILIO)
twilio_status = _status_view(Provider.TWILIO)
twilio_recording = _recording_view(Provider.TWILIO)
signalwire_voice = _voice_view(Provider.SIGNALWIRE)
signalwire_status = _status_view(Provider.SIGNALWIRE)
signalwire_recording = _recording_view(Provider.SIGNALWIRE)
telnyx_voice = _voice_view(Provider.TELNYX)
telnyx_status = _status_view(Provider.TELNYX)
telnyx_recording = _recording_view(Provider.TELNYX)
