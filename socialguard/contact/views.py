from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from socialguard import clock
from socialguard.audit.services import audit_list_view, audit_view
from socialguard.people.permissions import (
    get_object_for_user,
    has_capability,
    require,
    user_person,
    user_roles,
)
from socialguard.policy.pack import get_pack
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import services
from .forms import (
    CallForm,
    ContactCheckForm,
    DecisionForm,
    DeviceForm,
    ParentMessageForm,
    PermissionRequestForm,
    SignOutForm,
    TripForm,
)
from .models import DeviceLoan, ParentMessage, SchoolDevice, Trip, WithheldNumberPermission
from .packdata import office_settings
from .permissions import (
    UNRETURNED_PHONE_ROLES,
    can_decide_permission,
    can_manage_trip,
    visible_parent_messages,
    visible_trips,
)
from .services import CheckRequest, ContactError, contact_ruleset

register_nav("Check before you contact", "contact_check", "contact.check", order=20)
register_nav("Trips and school phones", "contact_trips", "contact.trips", order=40)
register_nav("Parent messages", "contact_parent_messages", "contact.parent_messages", order=41)


def _apply_error(form, error: ContactError, default_field: str | None = None) -> None:
    field = error.field if error.field in form.fields else default_field
    form.add_error(field, error.message)


def _form_page(request, form, title, back_url, submit="Save", intro="", blocked=None):
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "submit": submit,
        "intro": intro,
        "blocked": blocked,
    }
    return render(request, "contact/form.html", context)


# ---- "Check before you contact" ---------------------------------------------------------------


def _answer_view(answer, ruleset):
    labels = ruleset.channel_labels
    return {
        "effect": answer.effect,
        "allowed": answer.allowed,
        "reason": answer.reason,
        "clauses": answer.clauses,
        "conditions": answer.conditions,
        "alternatives": [labels[c] for c in answer.alternatives],
    }


def _match_rows(form):
    pack = get_pack()
    chosen = form.chosen.pk if form.chosen else None
    return [
        {
            "external_id": person.external_id,
            "name": person.full_name,
            "roles": ", ".join(pack.role_label(r) for r in person.role_ids),
            "checked": person.pk == chosen,
        }
        for person in form.matches
    ]


@require("contact.check")
def check(request):
    can_search = has_capability(request.user, "contact.directory_search")
    form = ContactCheckForm(request.POST or None, user=request.user, can_search=can_search)
    partial = request.headers.get("HX-Request") == "true"
    answer = None
    if request.method == "POST" and form.is_valid():
        person = user_person(request.user)
        sender_role = form.cleaned_data["sender_role"]
        if sender_role:  # checking for a kind of person, not for yourself
            person, roles = None, frozenset({sender_role})
        else:
            roles = user_roles(request.user) or None
        try:
            result = services.contact_check(
                request=CheckRequest(
                    channel=form.cleaned_data["channel"],
                    sender=person,
                    sender_roles=roles,
                    recipient=form.chosen,
                    recipient_roles=form.recipient_roles(),
                    on_trip=form.cleaned_data["on_trip"],
                    pre_arranged=form.cleaned_data["pre_arranged"],
                    supervised=form.cleaned_data["supervised"],
                    genuine_need=form.cleaned_data["genuine_need"],
                    permission_id=form.cleaned_data["permission"],
                ),
                asked_by=request.user,
                via="web",
            )
        except ContactError as error:
            _apply_error(form, error, "recipient_kind")
        else:
            answer = _answer_view(result, contact_ruleset())
    context = {
        "form": form,
        "answer": answer,
        "can_search": can_search,
        "chosen": form.chosen,
        "matches": _match_rows(form),
        "live_permissions": form.live,
        "show_errors": not partial,
    }
    if partial:
        return render(request, "contact/_check_live.html", context)
    return render(request, "contact/check.html", context)


# ---- trips and school mobiles ------------------------------------------------------------------


def _trip_for(request, trip_id, manage=False) -> Trip:
    trip = get_object_for_user(request.user, Trip.objects.select_related("lead"), pk=trip_id)
    if manage and not can_manage_trip(request.user, trip):
        raise PermissionDenied("needs to lead or manage the trip")
    return trip


@require("contact.trips")
def trips(request):
    today = clock.now().date()
    context = {
        "trips": visible_trips(request.user).select_related("lead").order_by("-starts_on"),
        "can_manage": has_capability(request.user, "contact.trips.manage"),
        "devices": SchoolDevice.objects.all(),
        "open_loans": {
            loan.device_id: loan
            for loan in DeviceLoan.objects.filter(returned_at__isnull=True).select_related(
                "trip", "holder"
            )
        },
        "unreturned": services.unreturned_loans(),
        "today": today,
    }
    return render(request, "contact/trips.html", context)


def _trip_form_save(request, form, trip=None):
    data = form.cleaned_data
    try:
        return services.trip_save(
            trip=trip,
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            lead=data["lead"],
            staff=list(data["staff"]),
            pupils=data["pupil_people"],
            by=request.user,
        )
    except ContactError as error:
        _apply_error(form, error, "name")
        return None


@require("contact.trips.manage")
def trip_new(request):
    form = TripForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        trip = _trip_form_save(request, form)
        if trip is not None:
            messages.success(request, f"{trip.name} was added")
            return redirect("contact_trip", trip_id=trip.pk)
    return _form_page(request, form, "Add a trip", reverse("contact_trips"), submit="Add the trip")


@require("contact.trips")
def trip_edit(request, trip_id):
    trip = _trip_for(request, trip_id, manage=True)
    initial = {
        "name": trip.name,
        "starts_on": trip.starts_on,
        "ends_on": trip.ends_on,
        "lead": trip.lead,
        "staff": list(trip.staff.all()),
        "pupils": ", ".join(trip.pupils.values_list("external_id", flat=True)),
    }
    form = TripForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _trip_form_save(request, form, trip) is not None:
            messages.success(request, f"{trip.name} was changed")
            return redirect("contact_trip", trip_id=trip.pk)
    back = reverse("contact_trip", kwargs={"trip_id": trip.pk})
    return _form_page(request, form, f"Change {trip.name}", back, submit="Save the trip")


@require("contact.trips")
def trip_detail(request, trip_id):
    trip = _trip_for(request, trip_id)
    audit_view(obj=trip)
    context = {
        "trip": trip,
        "can_manage": can_manage_trip(request.user, trip),
        "staff": trip.staff.all(),
        "pupils": trip.pupils.all(),
        "loans": trip.loans.select_related("device", "holder"),
        "sign_out_form": SignOutForm(trip=trip),
        "ended": clock.now() >= services.trip_ends_at(trip),
        "trips_url": reverse("contact_trips"),
    }
    return render(request, "contact/trip.html", context)


@require("contact.trips")
def trip_sign_out(request, trip_id):
    trip = _trip_for(request, trip_id, manage=True)
    form = SignOutForm(request.POST or None, trip=trip)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.device_sign_out(
                device=form.cleaned_data["device"],
                trip=trip,
                holder=form.cleaned_data["holder"],
                by=request.user,
            )
        except ContactError as error:
            _apply_error(form, error, "device")
        else:
            messages.success(
                request, f"{loan.device.name} was signed out to {loan.holder.full_name}"
            )
            return redirect("contact_trip", trip_id=trip.pk)
    return _form_page(
        request,
        form,
        f"Sign out a school mobile to {trip.name}",
        reverse("contact_trip", kwargs={"trip_id": trip.pk}),
        submit="Sign out the phone",
        intro="Staff on trips call parents from the school office line or a school mobile, never "
        "from a personal phone (PAR-5, OFF-4).",
    )


@require("contact.trips")
def loan_return(request, loan_id):
    loan = DeviceLoan.objects.select_related("trip", "device").filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    trip = _trip_for(request, loan.trip_id, manage=True)
    if request.method == "POST":
        try:
            services.device_return(loan=loan, by=request.user)
        except ContactError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{loan.device.name} was returned")
    return redirect("contact_trip", trip_id=trip.pk)


@require("contact.trips")
def trip_sheet(request, trip_id):
    trip = _trip_for(request, trip_id)
    loans = trip.loans.filter(returned_at__isnull=True).select_related("device", "holder")
    context = {
        "trip": trip,
        "office": office_settings(),
        "loans": loans,
        "trip_url": reverse("contact_trip", kwargs={"trip_id": trip.pk}),
    }
    return render(request, "contact/trip_sheet.html", context)


def _device_form(request, device=None):
    form = DeviceForm(request.POST or None, instance=device)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.device_save(
                device=device,
                name=form.cleaned_data["name"],
                number=form.cleaned_data["number"],
                status=form.cleaned_data["status"],
                by=request.user,
            )
        except ContactError as error:
            _apply_error(form, error, "name")
        else:
            messages.success(request, f"{saved.name} was saved")
            return redirect("contact_trips")
    title = f"Change {device.name}" if device else "Add a school mobile"
    return _form_page(request, form, title, reverse("contact_trips"))


@require("contact.trips.manage")
def device_new(request):
    return _device_form(request)


@require("contact.trips.manage")
def device_edit(request, device_id):
    device = SchoolDevice.objects.filter(pk=device_id).first()
    if device is None:
        raise Http404
    return _device_form(request, SchoolDevice.objects.get(pk=device.pk))


# ---- withheld-number permissions ---------------------------------------------------------------


@require("contact.withheld")
def permissions(request):
    person = user_person(request.user)
    mine = WithheldNumberPermission.objects.filter(requester=person).select_related("trip")
    context = {
        "mine": list(mine) if person else [],
        "pending": list(services.pending_permissions_for(request.user)),
        "now": clock.now(),
    }
    audit_list_view(
        object_type="contact.withheldnumberpermission",
        ids=[p.pk for p in [*context["mine"], *context["pending"]]],
        page="withheld-number permissions",
    )
    return render(request, "contact/permissions.html", context)


def _my_open_trips(person):
    if person is None:
        return Trip.objects.none()
    today = clock.now().date()
    mine = Trip.objects.filter(Q(lead=person) | Q(staff=person)).values("pk")
    return Trip.objects.filter(pk__in=mine, ends_on__gte=today).order_by("starts_on")


@require("contact.withheld")
def permission_new(request):
    person = user_person(request.user)
    trips_open = _my_open_trips(person)
    form = PermissionRequestForm(request.POST or None, trips=trips_open)
    if request.method == "POST" and form.is_valid() and person is not None:
        data = form.cleaned_data
        try:
            permission = services.permission_request(
                requester=person,
                trip=data["trip"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                by=request.user,
            )
        except ContactError as error:
            _apply_error(form, error, "reason")
        else:
            messages.success(request, "Your request was sent for a decision")
            return redirect("contact_permission", permission_id=permission.pk)
    return _form_page(
        request,
        form,
        "Ask for a withheld-number permission",
        reverse("contact_permissions"),
        submit="Send the request",
        intro="In an extreme case on a trip, you may call parents from a withheld number with the "
        "prior permission of the Headteacher or the proprietor (PAR-5). The Headteacher decides; "
        "the proprietor decides when the Headteacher asks.",
        blocked=None
        if trips_open.exists()
        else "You are not on a current or future trip. A trip lead or the Headteacher adds you to a trip first.",
    )


@require("contact.withheld")
def permission_detail(request, permission_id):
    permission = get_object_for_user(
        request.user,
        WithheldNumberPermission.objects.select_related("requester", "trip", "decided_by"),
        pk=permission_id,
    )
    audit_view(obj=permission)
    can_decide = permission.status == "pending" and can_decide_permission(request.user, permission)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if permission.status != "pending" and can_decide_permission(request.user, permission):
            # two deciders at once, or a second click: say what happened instead of a 403
            messages.info(
                request,
                f"This request was already decided: {permission.get_status_display().lower()}",
            )
            return redirect("contact_permission", permission_id=permission.pk)
        if not can_decide:
            raise PermissionDenied("only the Headteacher or proprietor, never the person asking")
        if form.is_valid():
            try:
                services.permission_decide(
                    permission=permission,
                    by=request.user,
                    grant=form.cleaned_data["decision"] == "grant",
                    note=form.cleaned_data["note"],
                )
            except ContactError as error:
                form.add_error("decision", error.message)
            else:
                messages.success(request, "Your decision was recorded")
                return redirect("contact_permission", permission_id=permission.pk)
    context = {
        "permission": permission,
        "form": form,
        "can_decide": can_decide,
        "live": permission.is_live(clock.now()),
        "expired": permission.status == "granted" and clock.now() >= permission.ends_at,
        "back_url": reverse("contact_permissions"),
    }
    return render(request, "contact/permission.html", context)


# ---- parent messages -----------------------------------------------------------------------------


@require("contact.parent_messages")
def parent_messages(request):
    now = clock.now()
    show = request.GET.get("show", "open")
    visible = visible_parent_messages(request.user).select_related("parent", "assigned_to")
    listed = visible.filter(replied_at__isnull=True) if show != "all" else visible
    shown = list(listed.order_by("reply_due_at", "-received_at")[:200])
    audit_list_view(
        object_type="contact.parentmessage", ids=[m.pk for m in shown], page="parent messages"
    )
    context = {
        "messages_list": shown,
        "show": show,
        "now": now,
        "channel_labels": contact_ruleset().channel_labels,
    }
    return render(request, "contact/parent_messages.html", context)


@require("contact.parent_messages")
def parent_message_new(request):
    now = clock.now()
    initial = {"received_date": now.date(), "received_time": now.strftime("%H:%M")}
    person = user_person(request.user)
    if person is not None:
        initial["assigned_to"] = person.pk
    form = ParentMessageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.parent_message_log(
                parent=data["parent"],
                channel=data["channel"],
                topic=data["topic"],
                summary=data["summary"],
                received_at=data["received_at"],
                assigned_to=data["assigned_to"],
                by=request.user,
            )
        except ContactError as error:
            _apply_error(form, error, "parent")
        else:
            messages.success(
                request, f"Logged. The reply is due by {services.when_text(message.reply_due_at)}"
            )
            return redirect("contact_parent_message", message_id=message.pk)
    return _form_page(
        request,
        form,
        "Log a message from a parent",
        reverse("contact_parent_messages"),
        submit="Log the message",
        intro=f"The reply is due {get_pack().deadline_hours('parent_reply')} hours after the message "
        "was received (PRIN-h).",
    )


@require("contact.parent_messages")
def parent_call_new(request):
    form = CallForm(request.POST or None)
    person = user_person(request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.parent_call_log(
                parent=data["parent"],
                direction=data["direction"],
                topic=data["topic"],
                summary=data["summary"],
                needs_reply=data["needs_reply"] == "yes",
                assigned_to=data["assigned_to"] or person,
                by=request.user,
            )
        except ContactError as error:
            _apply_error(form, error, "parent")
        else:
            messages.success(request, "The call was logged")
            return redirect("contact_parent_message", message_id=message.pk)
    return _form_page(
        request,
        form,
        "Log a call",
        reverse("contact_parent_messages"),
        submit="Log the call",
        intro="Log a telephone call with a parent as it happens (SLT-3). Calls are kept as a record "
        "and cannot be changed later.",
    )


@require("contact.parent_messages")
def parent_message_detail(request, message_id):
    message = get_object_for_user(
        request.user,
        ParentMessage.objects.select_related("parent", "assigned_to", "escalated_to"),
        pk=message_id,
    )
    if request.method == "POST":
        try:
            services.parent_message_mark_replied(message=message, by=request.user)
        except ContactError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Marked as replied")
        return redirect("contact_parent_message", message_id=message.pk)
    audit_view(obj=message)
    context = {
        "message": message,
        "overdue": message.is_overdue(clock.now()),
        "channel_label": contact_ruleset().channel_labels.get(message.channel, message.channel),
        "back_url": reverse("contact_parent_messages"),
    }
    return render(request, "contact/parent_message.html", context)


# ---- home page ---------------------------------------------------------------------------------


@register_home
def contact_home_items(request):
    user = request.user
    items = []
    now = clock.now()
    if has_capability(user, "contact.withheld.decide"):
        pending = services.pending_permissions_for(user)
        if pending:
            items.append(
                HomeItem(
                    title="Withheld-number permissions to decide",
                    url=reverse("contact_permissions"),
                    description="Staff on trips are waiting for your decision (PAR-5).",
                    urgent=True,
                    count=len(pending),
                )
            )
    if has_capability(user, "contact.parent_messages"):
        person = user_person(user)
        mine = ParentMessage.objects.filter(assigned_to=person, replied_at__isnull=True)
        if person is not None and mine.exists():
            overdue = mine.filter(reply_due_at__lte=now).count()
            items.append(
                HomeItem(
                    title="Parent messages to answer",
                    url=reverse("contact_parent_messages"),
                    description=f"{overdue} overdue." if overdue else "Reply before each due time.",
                    urgent=bool(overdue),
                    count=mine.count(),
                )
            )
        escalated = ParentMessage.objects.filter(escalated_to=person, replied_at__isnull=True)
        if person is not None and escalated.exists():
            items.append(
                HomeItem(
                    title="Overdue replies to parents in your team",
                    url=reverse("contact_parent_messages"),
                    description="A reply to a parent is past its due time.",
                    urgent=True,
                    count=escalated.count(),
                )
            )
    if user_roles(user) & UNRETURNED_PHONE_ROLES:
        unreturned = services.unreturned_loans().count()
        if unreturned:
            items.append(
                HomeItem(
                    title="School mobiles not returned after a trip",
                    url=reverse("contact_trips"),
                    description="Ask the member of staff to bring the phone back to the office.",
                    urgent=True,
                    count=unreturned,
                )
            )
    return items
