"""Provider webhooks (Twilio, SignalWire's LaML, Telnyx's TeXML). Signature first (403), then one service call;
answers are TwiML, which LaML and TeXML read as they are."""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.flows import call_dial_result, call_whisper, notice_audio_is_signed
from calls.services import call_record_recording, call_record_status, call_route_inbound
from calls.twiml import twiml_empty, twiml_hangup
from calls.webhooks import status_keys_for, voice_keys_for
from core.errors import DomainError
from pools.models import PoolNoticeAudio
from telephony.models import Provider
from telephony.recordings import telnyx_recording_callback_params
from telephony.webhooks import webhook_signature_required

TWIML = "application/xml"


def _direct(view):
    """A provider webhook: signed, CSRF-exempt, trusting no cookie, so it skips the middleware it needs not
    (sessions, authentication, messages, CSRF, axes…) and the connection health check of a busy connection
    (dni_snippet.middleware.DniDirectMiddleware). The security headers and the bad-text guard still apply."""
    view.webhook_direct = True
    return view


def _voice_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, voice_keys_for(provider))
    def voice(request):
        twiml = call_route_inbound(params=request.POST, inbound=request.inbound_call, webhook_prefix=provider)
        return HttpResponse(twiml, content_type=TWIML)

    voice.__name__ = voice.__qualname__ = f"{provider}_voice"
    return _direct(voice)


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
    return _direct(status)


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
    return _direct(recording)


twilio_voice = _voice_view(Provider.TWILIO)
twilio_status = _status_view(Provider.TWILIO)
twilio_recording = _recording_view(Provider.TWILIO)
signalwire_voice = _voice_view(Provider.SIGNALWIRE)
signalwire_status = _status_view(Provider.SIGNALWIRE)
signalwire_recording = _recording_view(Provider.SIGNALWIRE)
telnyx_voice = _voice_view(Provider.TELNYX)
telnyx_status = _status_view(Provider.TELNYX)
telnyx_recording = _recording_view(Provider.TELNYX)


# The call flow's own webhooks (calls.flows): the <Dial action>, the whisper (<Number url>) and the voicemail's
# <Record action>, for every provider whose markup reads them (TwiML, LaML, TeXML).

def _dial_result_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, voice_keys_for(provider))
    def dial_result(request):
        """Asked once the dial ends (DialCallStatus): voicemail when nobody answered, else hang up."""
        return HttpResponse(call_dial_result(params=request.POST, webhook_prefix=provider), content_type=TWIML)

    dial_result.__name__ = dial_result.__qualname__ = f"{provider}_dial_result"
    return _direct(dial_result)


def _whisper_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, status_keys_for(provider))
    def whisper(request):
        """What the business hears when it answers, before the caller is connected."""
        return HttpResponse(call_whisper(params=request.POST), content_type=TWIML)

    whisper.__name__ = whisper.__qualname__ = f"{provider}_whisper"
    return _direct(whisper)


def _voicemail_view(provider: str):
    @csrf_exempt
    @require_POST
    @webhook_signature_required(provider, status_keys_for(provider))
    def voicemail(request):
        """The message is recorded (its URL is in the request): store it, then hang up."""
        call_record_recording(params=request.POST, voicemail=True)
        return HttpResponse(twiml_hangup(), content_type=TWIML)

    voicemail.__name__ = voicemail.__qualname__ = f"{provider}_voicemail"
    return _direct(voicemail)


twilio_dial_result = _dial_result_view(Provider.TWILIO)
twilio_whisper = _whisper_view(Provider.TWILIO)
twilio_voicemail = _voicemail_view(Provider.TWILIO)
signalwire_dial_result = _dial_result_view(Provider.SIGNALWIRE)
signalwire_whisper = _whisper_view(Provider.SIGNALWIRE)
signalwire_voicemail = _voicemail_view(Provider.SIGNALWIRE)
telnyx_dial_result = _dial_result_view(Provider.TELNYX)
telnyx_whisper = _whisper_view(Provider.TELNYX)
telnyx_voicemail = _voicemail_view(Provider.TELNYX)


def notice_audio(request, pool_id: int, token: str):
    """The uploaded recording notice, fetched by the provider for <Play> (no credentials: the URL is signed)."""
    audio = PoolNoticeAudio.objects.filter(pool_id=pool_id).first()
    if audio is None or not notice_audio_is_signed(pool_id=pool_id, digest=audio.digest, token=token):
        raise Http404
    response = HttpResponse(bytes(audio.content), content_type=audio.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
