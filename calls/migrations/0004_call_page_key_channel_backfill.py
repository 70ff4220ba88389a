"""Existing calls take page, channel and keyword from their visit (already backfilled), else derive them
from their own snapshot (source-pool calls: channel from source/medium).

Large-table rules (deploy/README.md "Migrations"): calls with a visit are one set-based UPDATE per chunk of ids;
calls without one are read and written a chunk at a time with a frozen copy of the rules (no app code). Each
chunk is its own transaction (`atomic = False`): no long lock on Call, and an interrupted run resumes."""

import re
from urllib.parse import urlsplit

from django.db import migrations, transaction
from django.db.models import OuterRef, Subquery

CHUNK = 2000
FIELDS = ("landing_page_key", "channel", "term")


def copy_from_visits(Call, Visit):
    """Set-based: one UPDATE … SET col = (SELECT … FROM visit) per chunk of call ids."""
    visit = Visit.objects.filter(pk=OuterRef("visit_id"))
    last = 0
    while True:
        ids = list(Call.objects.filter(pk__gt=last, visit__isnull=False).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        last = ids[-1]
        with transaction.atomic():
            Call.objects.filter(pk__in=ids).update(**{field: Subquery(visit.values(field)[:1]) for field in FIELDS})


def derive_without_visit(Call):
    last = 0
    while True:
        with transaction.atomic():
            chunk = list(Call.objects.filter(pk__gt=last, visit__isnull=True).order_by("pk")
                         .only("source", "medium", "campaign", "landing_page", "landing_page_key", "channel")[:CHUNK])
            if not chunk:
                return
            last = chunk[-1].pk
            changed = []
            for call in chunk:
                new = {"landing_page_key": page_key(call.landing_page),
                       "channel": channel_group(call.source, call.medium, call.campaign) if call.source else ""}
                if any(getattr(call, field) != value for field, value in new.items()):
                    for field, value in new.items():
                        setattr(call, field, value)
                    changed.append(call)
            Call.objects.bulk_update(changed, ["landing_page_key", "channel"], batch_size=500)


def backfill(apps, schema_editor):
    copy_from_visits(apps.get_model("calls", "Call"), apps.get_model("attribution", "Visit"))
    derive_without_visit(apps.get_model("calls", "Call"))


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("calls", "0003_call_page_key_channel_recording"),
        ("attribution", "0004_visit_page_key_channel_backfill"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]


# --- Frozen copy of attribution.classification as of this migration (page_key, channel_group) --------
# Migrations never import app code: the app's rules may change, this backfill must keep meaning what it meant.

SEARCH_ENGINES = {
    "google.*": "google", "bing.com": "bing", "cn.bing.com": "bing", "search.yahoo.com": "yahoo",
    "yahoo.*": "yahoo", "duckduckgo.com": "duckduckgo", "ecosia.org": "ecosia", "baidu.com": "baidu",
    "m.baidu.com": "baidu", "yandex.*": "yandex", "ya.ru": "yandex", "naver.com": "naver",
    "search.naver.com": "naver", "seznam.cz": "seznam", "search.seznam.cz": "seznam", "qwant.com": "qwant",
    "search.brave.com": "brave", "perplexity.ai": "perplexity", "chatgpt.com": "chatgpt",
    "chat.openai.com": "chatgpt", "startpage.com": "startpage", "ask.com": "ask", "aol.com": "aol",
    "search.aol.com": "aol", "sogou.com": "sogou", "so.com": "360.cn", "daum.net": "daum",
    "search.daum.net": "daum", "mojeek.com": "mojeek", "kagi.com": "kagi", "you.com": "you.com",
    "copilot.microsoft.com": "copilot", "gemini.google.com": "gemini", "dogpile.com": "dogpile",
    "search.lycos.com": "lycos", "rambler.ru": "rambler", "coccoc.com": "coccoc",
}
SOCIAL = frozenset({
    "facebook", "facebook.com", "m.facebook.com", "l.facebook.com", "lm.facebook.com", "fb", "instagram",
    "instagram.com", "l.instagram.com", "ig", "twitter", "twitter.com", "t.co", "x.com", "linkedin",
    "linkedin.com", "lnkd.in", "pinterest", "pinterest.com", "reddit", "reddit.com", "tiktok", "tiktok.com",
    "snapchat", "snapchat.com", "threads.net", "quora.com", "tumblr.com", "vk.com", "weibo.com", "nextdoor.com",
    "yelp.com", "meta",
})
VIDEO = frozenset({
    "youtube", "youtube.com", "m.youtube.com", "youtu.be", "vimeo", "vimeo.com", "twitch.tv", "dailymotion.com",
    "wistia.com",
})
SHOPPING = frozenset({
    "google shopping", "shopping.google.com", "amazon", "amazon.com", "ebay", "ebay.com", "etsy", "etsy.com",
    "walmart", "walmart.com", "shopify", "shopify.com",
})
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOP_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
SOCIAL_MEDIUM = {"social", "social-network", "social-media", "sm", "social network", "social media"}
DISPLAY_MEDIUM = {"display", "banner", "expandable", "interstitial", "cpm"}
EMAIL = {"email", "e-mail", "e_mail", "e mail"}


EXACT = {host: name for host, name in SEARCH_ENGINES.items() if not host.endswith(".*")}
WILDCARD = {host[:-2]: name for host, name in SEARCH_ENGINES.items() if host.endswith(".*")}
ENGINE_NAMES = frozenset(SEARCH_ENGINES.values())


def search_engine_for_host(host):
    exact, wildcard = EXACT, WILDCARD
    labels = host.strip(".").split(".")
    if labels and labels[0] in ("www", "m"):
        labels = labels[1:]
    for start in range(len(labels) - 1):
        name = exact.get(".".join(labels[start:]))
        if name:
            return name
    for start in range(len(labels)):
        rest = labels[start + 1:]
        if 1 <= len(rest) <= 2 and labels[start] in wildcard and all(len(part) <= 3 for part in rest[:-1]):
            return wildcard[labels[start]]
    return None


def is_search_source(source):
    return source in ENGINE_NAMES or search_engine_for_host(source) is not None


def page_key(url):
    if not isinstance(url, str) or not url.strip():
        return ""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return ""
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return (host + path).lower()[:2000]


def channel_group(source, medium, campaign=""):  # noqa: C901 (GA's rules, in GA's documented order)
    source, medium, campaign = (source or "").lower(), (medium or "").lower(), (campaign or "").lower()
    is_paid = bool(PAID_MEDIUM.match(medium))
    shop = source in SHOPPING or SHOP_CAMPAIGN.match(campaign)
    rules = [
        (source == "(direct)" and medium in ("(none)", "(not set)", ""), "Direct"),
        ("cross-network" in campaign, "Cross-network"),
        (shop and is_paid, "Paid Shopping"),
        (is_paid and is_search_source(source), "Paid Search"),
        (source in SOCIAL and is_paid, "Paid Social"),
        (source in VIDEO and is_paid, "Paid Video"),
        (medium in DISPLAY_MEDIUM, "Display"),
        (is_paid, "Paid Other"),
        (shop, "Organic Shopping"),
        (source in SOCIAL or medium in SOCIAL_MEDIUM, "Organic Social"),
        (source in VIDEO or "video" in medium, "Organic Video"),
        (medium == "organic" or is_search_source(source), "Organic Search"),
        (medium in ("referral", "app", "link"), "Referral"),
        (source in EMAIL or medium in EMAIL, "Email"),
        (medium == "affiliate", "Affiliates"),
        (medium == "audio", "Audio"),
        (source == "sms" or medium == "sms", "SMS"),
        (medium.endswith("push") or "mobile" in medium or "notification" in medium, "Mobile Push Notifications"),
    ]
    return next((group for matches, group in rules if matches), "Unassigned")
