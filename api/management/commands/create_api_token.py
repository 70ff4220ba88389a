from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from api.models import ApiToken
from api.services import api_token_create
from core.actors import Actor


class Command(BaseCommand):
    help = "Create an API token for an account and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="Account name (or id).")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        parser.add_argument("--name", default="", help="A label to recognise the token by.")

    def handle(self, *args, account, scope, name, **options):
        token, key = api_token_create(account=self.find_account(account), scope=scope, name=name,
                                      actor=Actor.process("create_api_token"))
        self.stdout.write(key)

    def find_account(self, ref: str) -> Account:
        lookup = {"pk": int(ref)} if ref.isdigit() else {"name": ref}
        try:
            return Account.objects.get(**lookup)
        except Account.DoesNotExist:
            raise CommandError(f"No account “{ref}”.") from None
