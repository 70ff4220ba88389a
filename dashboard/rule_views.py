"""Dashboard pages for automation rules: the ordered list (move, enable, apply to past calls with progress) and the
rule form with its preview. Every write goes through automation.services, like the admin and the API."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.admin_scoping import add_domain_error
from automation.definitions import action_display, condition_display
from automation.selectors import PREVIEW_DAYS, rule_apply_job_list, rule_get, rule_list
from automation.services import (
    rule_apply_start,
    rule_create,
    rule_delete,
    rule_preview,
    rule_update,
)
from core.actors import Actor
from core.errors import DomainError
from dashboard.decorators import dashboard_page
from dashboard.rule_forms import RuleApplyForm, RuleForm
from pools.selectors import pool_list


def _rule_or_404(request, pk):
    rule = rule_get(account=request.account, pk=pk)
    if rule is None:
        raise Http404("No such rule")
    return rule


def _actor(request) -> Actor:
    return Actor.person(request.user, via="dashboard")


def _today(request):
    return timezone.now().astimezone(ZoneInfo(request.account.timezone)).date()


def _job_json(job) -> dict:
    return {"id": job.pk, "status": job.status, "processed": job.processed, "total": job.total, "matched": job.matched,
            "changed": job.changed, "percent": job.percent, "error": job.error}


@dashboard_page(filters=False)
def rule_list_page(request):
    rules = [{"rule": rule, "conditions": [condition_display(c) for c in rule.conditions],
              "actions": [action_display(a) for a in rule.actions]} for rule in rule_list(account=request.account)]
    return render(request, "dashboard/rule_list.html", {
        "account": request.account, "rules": rules, "jobs": list(rule_apply_job_list(account=request.account)[:10]),
    })


def _form_page(request, form, *, rule=None, preview=None, status=200):
    """The rule form; `preview` is (matched, calls) of the posted conditions, else the saved rule's."""
    today = _today(request)
    jobs = list(rule_apply_job_list(account=request.account).filter(rule=rule)[:5]) if rule else []
    if rule is not None and preview is None and status == 200:
        preview = rule_preview(account=request.account, conditions=rule.conditions, business_hours=rule.business_hours)
    return render(request, "dashboard/rule_form.html", {
        "account": request.account, "form": form, "rule": rule, "preview": preview, "preview_days": PREVIEW_DAYS,
        "pools": list(pool_list(account=request.account)), "jobs": jobs,
        "apply_form": RuleApplyForm(initial={"start": today - timedelta(days=29), "end": today}),
    }, status=status)


@dashboard_page(filters=False)
def rule_new(request):
    return _form_page(request, RuleForm.for_rule())


@dashboard_page(filters=False)
def rule_edit(request, pk):
    rule = _rule_or_404(request, pk)
    return _form_page(request, RuleForm.for_rule(rule), rule=rule)


def _save(request, rule=None):
    form = RuleForm.for_rule(rule, data=request.POST)
    if form.is_valid():
        try:
            if rule is None:
                rule = rule_create(account=request.account, actor=_actor(request), **form.definition())
            else:
                rule = rule_update(rule=rule, actor=_actor(request), **form.definition())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Rule “{rule.name}” saved.")
            return redirect(reverse("dashboard:rule_edit", args=[rule.pk]))
    return _form_page(request, form, rule=rule, status=400)


@dashboard_page(write=True, filters=False)
def rule_create_view(request):
    return _save(request)


@dashboard_page(write=True, filters=False)
def rule_save(request, pk):
    return _save(request, _rule_or_404(request, pk))


@dashboard_page(write=True, filters=False)
def rule_preview_view(request):
    """The form as posted, with how many recent calls its conditions would have matched; nothing is saved."""
    rule = rule_get(account=request.account, pk=int(request.POST.get("rule") or 0)) if request.POST.get("rule", "").isdigit() else None
    form = RuleForm.for_rule(rule, data=request.POST)
    preview = None
    if form.is_valid():
        try:
            preview = rule_preview(account=request.account, conditions=form.conditions(), business_hours=form.business_hours())
        except DomainError as exc:
            add_domain_error(form, exc)
    return _form_page(request, form, rule=rule, preview=preview, status=200 if preview is not None else 400)


@dashboard_page(write=True, filters=False)
def rule_move(request, pk):
    rule = _rule_or_404(request, pk)
    try:
        rule_update(rule=rule, position=max(1, int(request.POST.get("position", ""))), actor=_actor(request))
    except (ValueError, DomainError):
        messages.error(request, "The rule was not moved.")
    return redirect(reverse("dashboard:rule_list"))


@dashboard_page(write=True, filters=False)
def rule_toggle(request, pk):
    rule = rule_update(rule=_rule_or_404(request, pk), enabled=request.POST.get("enabled") == "1", actor=_actor(request))
    messages.success(request, f"Rule “{rule.name}” {'enabled' if rule.enabled else 'disabled'}.")
    return redirect(reverse("dashboard:rule_list"))


@dashboard_page(write=True, filters=False)
def rule_delete_view(request, pk):
    rule = _rule_or_404(request, pk)
    rule_delete(rule=rule, actor=_actor(request))
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect(reverse("dashboard:rule_list"))


@dashboard_page(write=True, filters=False)
def rule_apply(request, pk):
    rule = _rule_or_404(request, pk)
    form = RuleApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a start and an end date.")
        return redirect(reverse("dashboard:rule_edit", args=[rule.pk]))
    try:
        rule_apply_start(rule=rule, start=form.cleaned_data["start"], end=form.cleaned_data["end"], actor=_actor(request))
    except DomainError as exc:
        messages.error(request, f"Not started: {exc.message}")
    else:
        messages.success(request, f"Applying “{rule.name}” to calls from {form.cleaned_data['start']} to "
                         f"{form.cleaned_data['end']}; progress shows below.")
    return redirect(reverse("dashboard:rule_edit", args=[rule.pk]) + "#jobs")


@dashboard_page(filters=False)
def rule_job(request, pk):
    """An apply job's progress, polled by the page (static/js/rules.js)."""
    job = rule_apply_job_list(account=request.account).filter(pk=pk).first()
    if job is None:
        raise Http404("No such job")
    return JsonResponse(_job_json(job))
