from django.db.models import QuerySet

from accounts.models import Account, Membership, RefusedOrigin, Website


def account_for_user(*, user) -> Account | None:
    """The account a dashboard user works in (their first membership)."""
    membership = Membership.objects.filter(user=user).select_related("account").order_by("id").first()
    return membership.account if membership else None


def website_list(*, account: Account) -> QuerySet[Website]:
    return Website.objects.filter(account=account).order_by("name")


def is_account_admin(*, user, account: Account) -> bool:
    """Account admins may spend money (buy numbers) from the dashboard; marketers only read."""
    return Membership.objects.filter(user=user, account=account, role=Membership.Role.ADMIN).exists()


def refused_origins_by_website(*, account: Account, websites: list[Website]) -> dict[int, list[RefusedOrigin]]:
    """Origins the snippet was blocked on, per website, newest first, without those allowed or dismissed since.
    One query."""
    by_site = {site.pk: site for site in websites if site.account_id == account.pk}
    result: dict[int, list[RefusedOrigin]] = {pk: [] for pk in by_site}
    rows = RefusedOrigin.objects.filter(website__account=account, website_id__in=list(by_site),
                                        dismissed_at__isnull=True).order_by("-last_seen_at", "pk")
    for row in rows:
        if not by_site[row.website_id].allows_origin(row.origin):
            result[row.website_id].append(row)
    return result
