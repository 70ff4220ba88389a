from django.db.models import QuerySet

from accounts.models import Account, Membership, RefusedOrigin, Website

# The session key of the account a member of several accounts (an agency) chose in the header.
ACCOUNT_SESSION_KEY = "callpool_account_id"


def _chosen(memberships: list[Membership], account_id) -> Account | None:
    """The chosen account among `memberships` (ordered by id) when it is one of them, else the first."""
    try:
        chosen_id = int(account_id) if account_id is not None else None
    except (TypeError, ValueError):
        chosen_id = None
    for membership in memberships:
        if membership.account_id == chosen_id:
            return membership.account
    return memberships[0].account if memberships else None


def account_for_user(*, user, account_id=None) -> Account | None:
    """The account a dashboard user works in: `account_id` (the one they chose) when they are a member of it,
    else their first membership."""
    return _chosen(list(Membership.objects.filter(user=user).select_related("account").order_by("id")), account_id)


def account_for_request(request) -> Account | None:
    """The account of a signed-in person's request: their choice in this browser session, else their first.
    Sets request.memberships (every account they belong to, for the header's switcher) from the same query."""
    session = getattr(request, "session", None)
    memberships = list(Membership.objects.filter(user=request.user).select_related("account").order_by("id"))
    request.memberships = memberships
    return _chosen(memberships, session.get(ACCOUNT_SESSION_KEY) if session is not None else None)


def membership_list(*, user) -> list[Membership]:
    """The accounts a person belongs to with their role in each, by account name."""
    return list(Membership.objects.filter(user=user).select_related("account").order_by("account__name", "account_id"))


def website_list(*, account: Account) -> QuerySet[Website]:
    return Website.objects.filter(account=account).order_by("name")


def is_account_admin(*, user, account: Account, memberships: list[Membership] | None = None) -> bool:
    """Account admins may spend money (buy numbers) from the dashboard; marketers only read. `memberships`: the
    user's, when the request holds them already (account_for_request's request.memberships): no query."""
    if memberships is not None:
        return any(m.user_id == user.pk and m.account_id == account.pk and m.role == Membership.Role.ADMIN
                   for m in memberships)
    return Membership.objects.filter(user=user, account=account, role=Membership.Role.ADMIN).exists()


def membership_list_of_request(request) -> list[Membership]:
    """membership_list() of the request's user: request.memberships (read by account_for_request) in that order, or
    read when the request holds none."""
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        return membership_list(user=request.user)
    return sorted(memberships, key=lambda m: (m.account.name, m.account_id))


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
