"""Pages for staff sign-ins: a person's sign-in page (invite, switch off and on, reset, unlock),
inviting everyone an import brought in, and the one-time link's own page.

The link's token is in the address once: its page puts the link's id in the session and sends the
browser to an address without it, so it is not kept in history or sent on as a Referer. A bad
link gets a plain page with status 200: a 4xx would have the request (and its address) logged."""

import base64
from functools import wraps

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from socialguard.audit.services import audit_view
from socialguard.policy.pack import get_pack

from . import account_links, accounts
from .models import ImportJob, Person
from .permissions import can_manage_accounts, has_capability

LINK_SESSION_KEY = "socialguard_account_link"
ACTIONS = {
    "invite": (accounts.account_invite, {}, "Invitation sent to {name}."),
    "disable": (accounts.account_set_active, {"active": False}, "{name}'s sign-in is off."),
    "enable": (accounts.account_set_active, {"active": True}, "{name}'s sign-in is back on."),
    "reset_password": (accounts.account_password_reset, {}, "A new sign-in link went to {name}."),
    "reset_two_factor": (
        accounts.account_two_factor_reset,
        {},
        "{name} will set up a new authenticator app at their next sign-in.",
    ),
    "unlock": (accounts.account_unlock, {}, "{name} can sign in again."),
}


def manager_required(view):
    """Signed in and holding a role in the pack's `accounts.managed_by`, or 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_accounts(request.user):
            raise PermissionDenied("needs accounts.managed_by")
        return view(request, *args, **kwargs)

    return wrapper


class AccountActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)


class SetPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label="New password",
        help_text="At least 10 characters. A short sentence you will remember works well.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Type the new password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, needs_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"] = forms.CharField(
                label="Code from your authenticator app",
                help_text="The 6-digit code, for example 123456",
                max_length=8,
                widget=forms.TextInput(
                    attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
                ),
            )

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("new_password1"), cleaned.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", "The two passwords are not the same")
        return cleaned


@manager_required
def person_account(request, external_id):
    person = get_object_or_404(
        Person.objects.select_related("user").prefetch_related("roles"), external_id=external_id
    )
    refusal = accounts.account_refusal(actor=request.user, person=person)
    form = AccountActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        if form.is_valid():
            action, extra, done = ACTIONS[form.cleaned_data["action"]]
            try:
                action(person=person, actor=request.user, **extra)
            except accounts.AccountRefused as exc:
                form.add_error(None, exc.message[:1].upper() + exc.message[1:])
                status = 400 if exc.exit_code == 2 else 409
            else:
                messages.success(request, done.format(name=person.full_name))
                return redirect("person_account", external_id=person.external_id)
    audit_view(obj=person, detail={"page": "sign-in"})
    pack = get_pack()
    context = {
        "person": person,
        "form": form,
        "refusal": refusal,
        "status": accounts.account_status(person),
        "roles": [pack.role_label(r) for r in person.role_ids],
        "signs_in": bool(set(person.role_ids) & pack.account_roles()),
        "link_hours": pack.data["accounts"]["link_hours"],
    }
    return render(request, "people/account.html", context, status=status)


@manager_required
def bulk_invite(request, job_id):
    """Invite everyone a finished people import brought in who signs in and has no sign-in yet."""
    if not has_capability(request.user, "people.import"):
        raise PermissionDenied("needs people.import")
    job = get_object_or_404(ImportJob, pk=job_id, kind="people")
    may, may_not = accounts.invite_candidates(
        external_ids=accounts.import_job_external_ids(job), actor=request.user
    )
    if request.method == "POST":
        result = accounts.accounts_bulk_invite(people=may, actor=request.user)
        if result["invited"]:
            messages.success(request, f"Invitations sent to {len(result['invited'])} people.")
        for problem in result["problems"]:
            messages.error(request, f"{problem['external_id']}: {problem['message']}")
        return redirect("account_bulk_invite", job_id=job.pk)
    return render(
        request, "people/bulk_invite.html", {"job": job, "people": may, "refused": may_not}
    )


@never_cache
def link_open(request, token):
    link = account_links.account_link_find(token)
    if link is None:
        return render(request, "people/account_link_invalid.html")
    request.session[LINK_SESSION_KEY] = link.pk
    return redirect("account_link_form")


@never_cache
def link_form(request):
    link = account_links.account_link_by_id(request.session.get(LINK_SESSION_KEY))
    if link is None:
        return render(request, "people/account_link_invalid.html")
    device = account_links.link_device(link)
    form = SetPasswordForm(request.POST or None, needs_code=device is not None)
    if request.method == "POST" and form.is_valid():
        try:
            user, device = account_links.account_link_complete(
                link_id=link.pk,
                password=form.cleaned_data["new_password1"],
                code=form.cleaned_data.get("code", ""),
            )
        except accounts.AccountRefused as exc:
            if exc.field not in form.fields:
                return render(request, "people/account_link_invalid.html")
            form.add_error(exc.field, exc.message[:1].upper() + exc.message[1:])
        else:
            request.session.pop(LINK_SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if device is not None:
                otp_login(request, device)
            messages.success(request, "Your password is set and you are signed in.")
            return redirect("home")
    context = {"form": form, "username": link.user.get_username(), "device": device}
    if device is not None and not device.confirmed:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, title="QR code for your authenticator app"
        )
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "people/account_link.html", context)
