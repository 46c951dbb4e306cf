import base64
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from socialguard.audit.services import audit_list_view, audit_record, audit_view
from socialguard.policy.pack import get_pack
from socialguard.web.registry import register_nav

from . import services
from .forms import (
    ApiTokenForm,
    LineManagerForm,
    PeopleImportForm,
    PeopleSearchForm,
    SignInForm,
    TokenCodeForm,
    UnlockForm,
)
from .importviews import csv_import_page, csv_import_progress
from .models import ApiToken, EncryptedTOTPDevice, Person
from .permissions import CAPABILITIES, has_capability, require, requires_two_factor

register_nav("People", "people", "people.view", order=60)
register_nav("Import people", "people_import", "people.import", order=61)
register_nav("Sign-in lockouts", "people_lockouts", "people.unlock", order=62)


class SignInView(auth_views.LoginView):
    template_name = "people/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if requires_two_factor(form.get_user()):
            return redirect(f"{_two_factor_url()}?{urlencode({'next': self.get_success_url()})}")
        return response


def _two_factor_url():
    return reverse("two_factor")


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@login_required
def two_factor(request):
    """Enrol (QR code) or verify the TOTP second factor."""
    devices = EncryptedTOTPDevice.objects.filter(user=request.user)
    device = devices.filter(confirmed=True).first() or devices.filter(confirmed=False).first()
    if device is None:
        device = EncryptedTOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TokenCodeForm(request.POST or None)
    allowed, throttle = device.verify_is_allowed()
    if request.method == "POST" and form.is_valid() and not allowed:
        form.add_error(
            "code", "Too many wrong codes in a row. Wait a minute, then enter the newest code"
        )
    elif request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(action="auth.two_factor_enrolled", obj=request.user)
            otp_login(request, device)
            audit_record(action="auth.two_factor_passed", obj=request.user)
            return redirect(_safe_next(request))
        audit_record(action="auth.two_factor_failed", obj=request.user)
        form.add_error(
            "code", "That code is not right. Codes change every 30 seconds: try the newest one"
        )
    context = {"form": form, "enrolling": not device.confirmed, "next": _safe_next(request)}
    if not device.confirmed:
        qr = segno.make(device.config_url, error="m")
        context["qr_svg"] = qr.svg_inline(scale=5, title="QR code for your authenticator app")
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "people/two_factor.html", context)


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("login")


@require("people.view")
def people_list(request):
    pack = get_pack()
    form = PeopleSearchForm(request.GET or None)
    form.fields["role"].choices = [("", "All roles")] + [
        (r, pack.role_label(r)) for r in pack.roles
    ]
    people = Person.objects.prefetch_related("roles")
    if form.is_valid():
        q = form.cleaned_data["q"]
        if q:
            people = people.filter(
                Q(given_name__icontains=q)
                | Q(family_name__icontains=q)
                | Q(preferred_name__icontains=q)
                | Q(external_id__iexact=q)
            )
        if form.cleaned_data["role"]:
            people = people.filter(roles__role=form.cleaned_data["role"])
    page = list(people[:200])
    audit_list_view(
        object_type="people.person", ids=[p.external_id for p in page], page="people directory"
    )
    return render(
        request,
        "people/list.html",
        {"form": form, "people": page, "pack": pack, "shown": len(page)},
    )


@require("people.view")
def person_detail(request, external_id):
    person = get_object_or_404(
        Person.objects.select_related("line_manager", "user"), external_id=external_id
    )
    pack = get_pack()
    form = None
    if has_capability(request.user, "people.import") and set(person.role_ids) & pack.staff_roles():
        staff = (
            Person.objects.filter(roles__role__in=pack.staff_roles(), is_active=True)
            .exclude(pk=person.pk)
            .distinct()
        )
        form = LineManagerForm(
            request.POST or None,
            staff_choices=[(p.external_id, f"{p.full_name} ({p.external_id})") for p in staff],
            initial={"manager": person.line_manager.external_id if person.line_manager else ""},
        )
        if request.method == "POST" and form.is_valid():
            manager = staff.filter(external_id=form.cleaned_data["manager"]).first()
            try:
                services.person_line_manager_set(person=person, manager=manager, actor=request.user)
            except ValueError as exc:
                form.add_error("manager", str(exc))
            else:
                messages.success(request, "Line manager saved.")
                return redirect("person_detail", external_id=person.external_id)
    elif request.method == "POST":
        raise PermissionDenied
    audit_view(obj=person)
    return render(
        request,
        "people/detail.html",
        {
            "form": form,
            "person": person,
            "roles": [pack.role_label(r) for r in person.role_ids],
            "show_identifiers": has_capability(request.user, "people.identifiers"),
            "children": Person.objects.filter(parent_links__parent=person),
            "parents": Person.objects.filter(children_links__child=person),
            "safeguarding_url": _safeguarding_url(request.user, person),
        },
    )


def _safeguarding_url(user, person):
    """The casework page of every case the person is in, for those who may open it (the rule
    itself is casework.permissions.can_view_person_history; that page refuses anyone else)."""
    if "cases.person_history" not in CAPABILITIES or not has_capability(
        user, "cases.person_history"
    ):
        return ""
    viewer = getattr(user, "person", None)
    if viewer is None or viewer.pk == person.pk:
        return ""
    if person.parent_links.filter(parent=viewer).exists():
        return ""
    return reverse("casework:person_history", kwargs={"external_id": person.external_id})


@require("people.import")
def people_import(request):
    return csv_import_page(
        request,
        kind="people",
        form_class=PeopleImportForm,
        template="people/import.html",
        job_url_name="people_import_job",
    )


@require("people.import")
def people_import_job(request, job_id):
    return csv_import_progress(
        request,
        job_id,
        kind="people",
        template="people/import_job.html",
        partial_template="people/_import_progress.html",
    )


@login_required
def api_tokens(request):
    max_days = services.api_token_max_days(request.user)
    form = ApiTokenForm(request.POST or None, areas=services.api_areas(), max_days=max_days)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.scope(),
                days=form.cleaned_data["days"],
                two_factor_verified=request.user.is_verified(),
            )
        except PermissionError as exc:
            form.add_error(None, str(exc))
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            form.add_error(field if field in form.fields else None, message or str(exc))
        else:
            form = ApiTokenForm(areas=services.api_areas(), max_days=max_days)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "people/api_tokens.html",
        {
            "form": form,
            "scope_fields": [form[f"scope_{a}"] for a in form.areas],
            "tokens": tokens,
            "new_token": new_token,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def api_token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token '{token.name}' revoked. Scripts using it will stop working.")
    return redirect("api_tokens")


@require("people.unlock")
def lockouts(request):
    """Accounts locked out after failed sign-ins; the Headteacher and DPL may lift a lockout."""
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        cleared = services.lockout_unlock(username=username, actor=request.user, via="web")
        if cleared:
            messages.success(request, f"{username} can sign in again.")
            return redirect("people_lockouts")
        form.add_error("username", f"{username!r} is not locked out")
    locked = services.lockouts_current()
    audit_list_view(
        object_type="axes.accessattempt",
        ids=[entry["username"] for entry in locked],
        page="sign-in lockouts",
    )
    return render(request, "people/lockouts.html", {"form": form, "locked": locked})
