from django.core.management.base import BaseCommand, CommandError

from calls.models import Call
from calls.simulation import call_simulate
from core.errors import DomainError
from core.phones import phone_display


class Command(BaseCommand):
    help = "Place a sandbox call to a tracking number through the real (signed) voice and status webhooks."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="Tracking number, any readable form")
        parser.add_argument("--from", dest="caller", required=True, help="Caller number")
        parser.add_argument("--duration", type=int, default=60, help="Talk time in seconds (default 60)")
        parser.add_argument("--no-answer", action="store_true", help="The business does not pick up")
        parser.add_argument("--hangup-by", choices=["business", "caller"], default="business",
                            help="Who hangs up: decides which leg's end Twilio reports first (default business)")

    def handle(self, *args, to, caller, duration, no_answer, hangup_by, **options):
        if duration < 0:
            raise CommandError("--duration must be 0 or more.")
        try:
            call = call_simulate(tracking_number=to, caller_number=caller, duration_seconds=duration,
                                 answered=not no_answer, hangup_by=hangup_by)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.write_call(call)

    def write_call(self, call: Call) -> None:
        self.stdout.write(f"Call {call.provider_call_id}")
        self.stdout.write(f"  {phone_display(call.caller_number) or 'anonymous'} → {phone_display(call.tracking_number)}"
                          f" forwarded to {phone_display(call.original_number)}")
        caller_kind = "first-time caller" if call.is_first_time_caller else "repeat caller"
        self.stdout.write(f"  status {call.status}, {call.duration_seconds}s total, {call.talk_seconds}s talk, {caller_kind}")
        attribution = call.get_attribution_method_display()
        if call.attribution_method != Call.Method.NONE:
            where = " / ".join(part for part in (call.source, call.medium) if part) or "(not set)"
            attribution += f": {where} (confidence {call.attribution_confidence:.2f})"
            if call.visit_id:
                attribution += f", visit {call.visit_id}"
        self.stdout.write(f"  attribution: {attribution}")
