"""A person's safeguarding page, their flags, and the search that finds people and cases.

Thin views: permission (permissions.can_view_person_history) → personhistory / personflags →
render or redirect. Every page is audited; a search for a name keeps only its length."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from socialguard.audit.services import audit_list_view, audit_record, audit_refusal, audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import require
from socialguard.policy.pack import get_pack
from socialguard.web.registry import register_nav

from . import personflags, personhistory
from .permissions import can_flag_person, can_view_person_history, person_history_refused_ids
from .services import person_label

register_nav("Find a person or case", "casework:person_search", "cases.person_history", order=24)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(label="Flag", error_messages={"required": "Choose a flag"})
    note = forms.CharField(
        label="Note (optional)",
        help_text="For example the date of the plan or who told you.",
        required=False,
        max_length=personflags.NOTE_MAX,
        error_messages={"max_length": "Keep the note to %(limit_value)d characters or fewer"},
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [("", "Choose a flag")] + [
            (c.id, c.label) for c in personflags.flag_choices() if c.id not in exclude
        ]
        self.fields["flag"].error_messages["invalid_choice"] = (
            "Choose one of this school's flags that is not already set"
        )


class SearchForm(forms.Form):
    q = forms.CharField(label="Name or case reference", required=False, max_length=100)
    year = forms.ChoiceField(label="Year group", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Any year group")] + [
            (y, f"Year {y}" if y.isdigit() else y) for y in personhistory.year_groups()
        ]
        self.fields["year"].error_messages["invalid_choice"] = "Choose a year group from the list"


def _person_for(request, external_id) -> Person:
    """404 for a person the viewer may not open, whether they exist or not; audited."""
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not can_view_person_history(request.user, person):
        audit_refusal(
            object_type="people.person",
            object_id=str(person.pk) if person is not None else "",
            detail={"status": 404, "page": "safeguarding history"},
        )
        raise Http404
    return person


def _render_person(request, person: Person, flag_form=None, status=200):
    involvements = personhistory.cases_of(request.user, person)
    case_ids = [i.case.pk for i in involvements]
    oldest_first = request.GET.get("order") == "oldest"
    events = personhistory.chronology(case_ids, request.GET.get("page"), oldest_first)
    current = personflags.current_flags([person.pk]).get(person.pk, [])
    relatives = personhistory.family(person)
    relative_ids = [p.pk for group in relatives.values() for p in group]
    refused = (person_history_refused_ids(request.user) or set()) if relative_ids else set()
    audit_view(
        obj=person,
        detail={
            "view": "safeguarding history",
            "cases": [i.case.reference for i in involvements],
            "events_page": events.number,
        },
    )
    pack = get_pack()
    return render(
        request,
        "casework/person_history.html",
        {
            "person": person,
            "label": person_label(person),
            "roles": [pack.role_label(r) for r in person.role_ids],
            "involvements": involvements,
            "events": events,
            "oldest_first": oldest_first,
            "relatives": relatives,
            "refused": refused,
            "flags": current,
            "flag_history": [f for f in personflags.flag_history(person) if f.cleared_at],
            "flag_form": flag_form or FlagForm(exclude={f.flag for f in current}),
            "can_flag": can_flag_person(request.user, person),
            "form": flag_form if flag_form is not None and flag_form.errors else None,
        },
        status=status,
    )


@require("cases.person_history")
def person_history(request, external_id):
    person = _person_for(request, external_id)
    return _render_person(request, person)


@require("cases.person_history")
def person_flag(request, external_id):
    """Set (`action=set`, `flag`, `note`) or clear (`action=clear`, `flag`) a flag: POST only."""
    person = _person_for(request, external_id)
    if request.method != "POST":
        return redirect("casework:person_history", external_id=person.external_id)
    if not can_flag_person(request.user, person):
        raise Http404
    action = request.POST.get("action")
    if action == "clear":
        try:
            row = personflags.person_flag_clear(
                person=person, flag=request.POST.get("flag", ""), user=request.user
            )
        except personflags.FlagRefused as exc:
            messages.error(request, f"Flag: {str(exc).partition(': ')[2]}")
            return redirect("casework:person_history", external_id=person.external_id)
        messages.success(request, f"Flag cleared: {personflags.label_of(row.flag)}")
        return redirect("casework:person_history", external_id=person.external_id)
    current = personflags.current_flags([person.pk]).get(person.pk, [])
    form = FlagForm(request.POST, exclude={f.flag for f in current})
    if action != "set":
        form.add_error(None, "Choose whether to set or clear a flag")
    elif form.is_valid():
        try:
            row = personflags.person_flag_set(
                person=person,
                flag=form.cleaned_data["flag"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except personflags.FlagRefused as exc:
            form.add_error(exc.field, str(exc).partition(": ")[2])
        else:
            messages.success(request, f"Flag set: {personflags.label_of(row.flag)}")
            return redirect("casework:person_history", external_id=person.external_id)
    return _render_person(request, person, flag_form=form, status=400)


@require("cases.person_history")
def person_search(request):
    form = SearchForm(request.GET or None)
    result = personhistory.SearchResult()
    status = 200
    if request.GET and form.is_valid():
        query, year = form.cleaned_data["q"].strip(), form.cleaned_data["year"]
        result = personhistory.search(request.user, query, year, request.GET.get("page"))
        detail = {
            "kind": result.kind,
            "query_length": len(query),
            "year": year,
            "people": result.total_people,
            "cases": len(result.cases) + (1 if result.exact else 0),
        }
        if result.kind == "reference":
            detail["reference"] = query.upper()  # a reference names no one
        audit_record(action="cases.search", detail=detail)
        if result.exact is not None:
            return redirect("casework:case_detail", reference=result.exact.reference)
    elif request.GET:
        status = 400
    shown = list(result.people.object_list) if result.people is not None else []
    for person in shown:
        person.label = person_label(person)
    if shown or result.cases:
        audit_list_view(
            object_type="people.person",
            ids=[p.external_id for p in shown],
            page="person search",
            detail={"cases": [c.reference for c in result.cases]},
        )
    return render(
        request, "casework/person_search.html", {"form": form, "result": result}, status=status
    )
