from django.db.models import QuerySet

from accounts.models import Account, Membership, Website


def account_for_user(*, user) -> Account | None:
    """The account a dashboard user works in (their first membership)."""
    membership = Membership.objects.filter(user=user).select_related("account").order_by("id").first()
    return membership.account if membership else None


def website_list(*, account: Account) -> QuerySet[Website]:
    return Website.objects.filter(account=account).order_by("name")


def is_account_admin(*, user, account: Account) -> bool:
    """Account admins may spend money (buy numbers) from the dashboard; marketers only read."""
    return Membership.objects.filter(user=user, account=account, role=Membership.Role.ADMIN).exists()
