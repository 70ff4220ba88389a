from django.db.models import QuerySet

from accounts.models import Account, Membership, Website


def account_ids_for_user(*, user, role: str | None = None) -> list[int]:
    memberships = Membership.objects.filter(user=user)
    if role:
        memberships = memberships.filter(role=role)
    return list(memberships.values_list("account_id", flat=True))


def account_for_user(*, user) -> Account | None:
    """The account a dashboard user works in (their first membership)."""
    membership = Membership.objects.filter(user=user).select_related("account").order_by("id").first()
    return membership.account if membership else None


def website_list(*, account: Account) -> QuerySet[Website]:
    return Website.objects.filter(account=account).order_by("name")


def website_get(*, account: Account, pk: int) -> Website:
    return Website.objects.get(account=account, pk=pk)
