"""Pages for the handlers' control of actions (casework/actions.py) and the owner's task page.

Each handler view is thin: the case through get_object_for_user (404 for what a user may not know
exists), a form, the service, a redirect; a refusal re-renders the case page naming the field."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from socialguard import clock
from socialguard.audit.services import audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import require, user_person

from . import actions, services
from .forms import ActionCompleteForm, _datetime_field
from .models import CaseAction
from .permissions import can_view_case, cases_naming

# ---------------------------------------------------------------- forms


def owner_choices(case) -> list[tuple[str, str]]:
    """Who may own an action on this case, read once per page (every action card shares it)."""
    people = actions.eligible_owners(case).prefetch_related("roles")
    return [("", "Choose someone")] + [(str(p.pk), services.person_label(p)) for p in people]


class OwnerFormMixin:
    def _owner_field(self, choices, label) -> None:
        self.fields["owner"] = forms.TypedChoiceField(
            label=label,
            choices=choices,
            coerce=int,
            help_text="Someone in the directory. People named in the case are not listed (PRIN-a).",
            error_messages={
                "required": "Choose who owns the action",
                "invalid_choice": "Choose someone from the list: that person cannot own this action",
            },
        )

    def clean_owner(self) -> Person | None:
        # the service checks again that they may own it (active, allowed role, not named)
        return Person.objects.filter(pk=self.cleaned_data["owner"]).first()


class ActionAddForm(OwnerFormMixin, forms.Form):
    title = forms.CharField(
        label="What needs to be done",
        max_length=actions.TITLE_MAX,
        error_messages={"required": "Say what needs to be done"},
    )
    due_at = _datetime_field(
        "Deadline", required=True, required_message="Enter the deadline: a date and time"
    )
    internal = forms.ChoiceField(
        label="Is it part of the internal investigation?",
        choices=[("yes", "Yes: paused while a police enquiry is active"), ("no", "No")],
        initial="yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it is part of the internal investigation"},
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_field(owners, "Who owns it")
        self.order_fields(["title", "owner", "due_at", "internal"])


class ReassignForm(OwnerFormMixin, forms.Form):
    reason = forms.CharField(label="Why (optional)", required=False, max_length=1000)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_field(owners, "Give it to")
        self.order_fields(["owner", "reason"])


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write why the action is cancelled"},
    )


class PoliceAgreementForm(forms.Form):
    officer = forms.CharField(
        label="Who at the police agreed",
        max_length=200,
        help_text="Their name, role or collar number, for example PC 1234 Smith, Leeds CID.",
        error_messages={"required": "Enter who at the police agreed"},
    )
    agreed_at = _datetime_field(
        "When they agreed", required=True, required_message="Enter when the police agreed"
    )
    note = forms.CharField(
        label="What was agreed (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BriefForm(forms.Form):
    brief = forms.CharField(
        label="What the person doing this task needs to know",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="They cannot see the case: give no details of it beyond what they need.",
        error_messages={"required": "Write what they need to know"},
    )


# ---------------------------------------------------------------- the case page's part


def detail_context(case, forms_in: dict) -> dict:
    """The action cards' forms for the case page (views._detail_context merges this in). A form
    that failed comes back in forms_in as `action_form_error`: (action id, kind, form)."""
    failed = forms_in.get("action_form_error")
    rows = list(case.actions.select_related("owner", "support_person"))
    owners = owner_choices(case) if case.is_open else []
    for action in rows:
        prefix = f"a{action.pk}"
        action.case = case  # is_paused reads the hold: no query per action
        action.paused = actions.is_paused(action)
        action.reassign_form = ReassignForm(owners=owners, prefix=prefix)
        action.cancel_form = CancelForm(prefix=prefix)
        action.agree_form = PoliceAgreementForm(prefix=prefix)
        action.brief_form = BriefForm(prefix=prefix, initial={"brief": action.brief})
        if failed and failed[0] == action.pk:
            setattr(action, f"{failed[1]}_form", failed[2])
    context = {
        "actions": rows,
        "action_add_form": forms_in.get("action_add_form") or ActionAddForm(owners=owners),
        "outcome_blockers": actions.outcome_blockers(case) if case.state == "investigating" else [],
    }
    if failed:
        context["form"] = failed[2]  # the error summary at the top of the page
    return context


def _render_error(request, case, **forms_in):
    from . import views  # the case page lives there

    return views._render_detail(request, case, status=400, **forms_in)


def _refused(form, exc: services.CaseworkError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _case_action(request, reference, action_id):
    from . import views

    case = views._case(request, reference)
    action = case.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404
    return case, action


def _done(request, case, message):
    messages.success(request, message)
    return redirect("casework:case_detail", reference=case.reference)


def _back(case):
    return redirect("casework:case_detail", reference=case.reference)


@require("cases.handle")
def action_add(request, reference):
    from . import views

    case = views._case(request, reference)
    if request.method != "POST":
        return _back(case)
    form = ActionAddForm(request.POST, owners=owner_choices(case))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.action_add(
                case=case,
                user=request.user,
                title=data["title"],
                owner=data["owner"],
                due_at=data["due_at"],
                internal=data["internal"] == "yes",
            )
        except services.CaseworkError as exc:
            _refused(form, exc)
        else:
            return _done(request, case, f"Action added: {data['title']}")
    return _render_error(request, case, action_add_form=form)


def _action_post(request, reference, action_id, kind, form_class, call, message):
    case, action = _case_action(request, reference, action_id)
    if request.method != "POST":
        return _back(case)
    extra = {"owners": owner_choices(case)} if form_class is ReassignForm else {}
    form = form_class(request.POST, prefix=f"a{action.pk}", **extra)
    if form.is_valid():
        try:
            call(action, form.cleaned_data)
        except services.CaseworkError as exc:
            _refused(form, exc)
        else:
            return _done(request, case, f"{message}: {action.title}")
    return _render_error(request, case, action_form_error=(action.pk, kind, form))


@require("cases.handle")
def action_reassign(request, reference, action_id):
    return _action_post(
        request,
        reference,
        action_id,
        "reassign",
        ReassignForm,
        lambda action, data: actions.action_reassign(
            action=action, user=request.user, owner=data["owner"], reason=data["reason"]
        ),
        "Reassigned",
    )


@require("cases.handle")
def action_cancel(request, reference, action_id):
    return _action_post(
        request,
        reference,
        action_id,
        "cancel",
        CancelForm,
        lambda action, data: actions.action_cancel(
            action=action, user=request.user, reason=data["reason"]
        ),
        "Cancelled",
    )


@require("cases.handle")
def action_police_agree(request, reference, action_id):
    return _action_post(
        request,
        reference,
        action_id,
        "agree",
        PoliceAgreementForm,
        lambda action, data: actions.action_police_agree(
            action=action,
            user=request.user,
            officer=data["officer"],
            agreed_at=data["agreed_at"],
            note=data["note"],
        ),
        "Police agreement recorded",
    )


@require("cases.handle")
def action_brief(request, reference, action_id):
    return _action_post(
        request,
        reference,
        action_id,
        "brief",
        BriefForm,
        lambda action, data: actions.support_brief_set(
            action=action, user=request.user, brief=data["brief"]
        ),
        "Brief saved",
    )


# ---------------------------------------------------------------- the owner's task page


@require("cases.report")
def my_action(request, action_id):
    """The owner's page for one task (the link in their email): what to do, by when, whom to
    support and what they need to know (CB-12). No case details: a line manager may not see the
    case. Only the owner opens it, never on a case they are named in (PRIN-a)."""
    person = user_person(request.user)
    action = (
        CaseAction.objects.filter(pk=action_id, owner=person)
        .exclude(case__in=cases_naming(person))
        .select_related("case", "support_person")
        .first()
        if person
        else None
    )
    if action is None:
        raise Http404
    audit_view(obj=action)
    return render(
        request,
        "casework/my_action.html",
        {
            "action": action,
            "paused": actions.is_paused(action),
            "support_label": services.person_label(action.support_person)
            if action.support_person
            else "",
            "can_view_case": can_view_case(request.user, action.case),
            "form": ActionCompleteForm(),
            "now": clock.now(),
        },
    )
