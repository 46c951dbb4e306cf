from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from socialguard.audit.services import audit_list_view, audit_view
from socialguard.people.importviews import csv_import_page, csv_import_progress
from socialguard.people.models import Person
from socialguard.people.permissions import has_capability, require, user_person
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import batch as batches
from . import crypto, services
from .demo_photos import demo_note
from .faces import PhotoError
from .forms import (
    BatchCheckForm,
    BiometricForm,
    ConfirmForm,
    EnrolForm,
    ImportForm,
    OwnConsentForm,
    ParentConsentForm,
    PhotoCheckForm,
    RecordConsentForm,
    ReferencePhotoForm,
    RestrictedAddForm,
    ReviewForm,
    SendLinkForm,
    TakedownDoneForm,
)
from .models import BatchCheck, PhotoCheck, ReferencePhoto, TakedownNeeded
from .packdata import METHOD_LABELS, consent_settings
from .permissions import can_see_names, can_see_restricted_reason, can_view_check
from .photo_check import redact_face, render_boxes
from .services import ConsentError
from .tasks import run_batch_check

register_nav("Image consent", "consent_registry", "consent.view", order=45)
register_nav("Check a photo", "consent_check_photo", "consent.check_photo", order=46)


def _form_page(
    request, form, title, back_url, submit="Save", intro="", multipart=False, extra=None
):
    context = {
        "form": form, "title": title, "back_url": back_url, "submit": submit, "intro": intro,
        "multipart": multipart, **(extra or {}),
    }  # fmt: skip
    return render(request, "consent/form.html", context)


def _apply(form, error: ConsentError | PhotoError, field: str | None = None):
    target = getattr(error, "field", "") or field
    form.add_error(target if target in form.fields else None, getattr(error, "message", str(error)))


def _data(request):
    """The POST data and files, even when empty (an empty POST must show its errors)."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _yes(value) -> bool:
    return value == "yes"


def _pupil(external_id):
    return get_object_or_404(Person.objects.prefetch_related("roles"), external_id=external_id)


def _parents(person):
    return list(Person.objects.filter(children_links__child=person).order_by("family_name"))


# ---- the registry -----------------------------------------------------------------------------


@require("consent.view")
def registry(request):
    query = (request.GET.get("q") or "").strip()
    people = Person.objects.filter(roles__role="pupil", is_active=True).distinct()
    if query:
        people = people.filter(
            Q(given_name__icontains=query)
            | Q(family_name__icontains=query)
            | Q(external_id__iexact=query)
        )
    people = list(people[:300])
    show_restricted = has_capability(request.user, "consent.restricted")
    restricted = services.restricted_external_ids()
    statuses = services.statuses_for([p.external_id for p in people])
    pack = consent_settings()
    rows = []
    for person in people:
        status = statuses[person.external_id]
        rows.append(
            {
                "person": person,
                "restricted": show_restricted and person.external_id in restricted,
                "purposes": [
                    (p.label, p.id in status["purposes"] and person.external_id not in restricted)
                    for p in pack.purposes
                ],
            }
        )
    audit_list_view(
        object_type="people.person",
        ids=[p.external_id for p in people],
        page="consent registry",
        detail={"query": bool(query)},
    )
    return render(
        request,
        "consent/registry.html",
        {
            "rows": rows,
            "purposes": pack.purposes,
            "query": query,
            "show_restricted": show_restricted,
        },
    )


@require("consent.view")
def person_detail(request, external_id):
    person = _pupil(external_id)
    audit_view(obj=person, detail={"page": "image consent"})
    status = services.consent_status(person)
    pack = consent_settings()
    show_restricted = has_capability(request.user, "consent.restricted")
    history = list(services.consent_history(person)[:100])
    if not show_restricted:
        history = [c for c in history if c.item != "restricted"]
    for change in history:
        change.method_label = METHOD_LABELS.get(change.method, change.method)
    for value in status["purposes"].values():
        value["method_label"] = METHOD_LABELS.get(value["method"], value["method"] or "")
    return render(
        request,
        "consent/person.html",
        {
            "person": person,
            "status": status,
            "purposes": [(p, status["purposes"][p.id]) for p in pack.purposes],
            "history": history,
            "method_labels": METHOD_LABELS,
            "show_restricted": show_restricted,
            "reason": services.restricted_reason(person)
            if can_see_restricted_reason(request.user)
            else "",
            "is_child": services.is_child(person),
            "parents": _parents(person),
            "can_enrol": has_capability(request.user, "consent.enrol"),
            "links": services.unanswered_links().filter(child=person),
        },
    )


@require("consent.manage")
def record(request, external_id):
    person = _pupil(external_id)
    if not services.is_child(person):
        raise Http404
    parents = _parents(person)
    form = RecordConsentForm(_data(request)[0], parents=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                person=person,
                answers={p: _yes(data[p]) for p in services.PURPOSES},
                given_by=next(p for p in parents if p.external_id == data["given_by"]),
                method=data["method"],
                actor=request.user,
            )
        except ConsentError as error:
            _apply(form, error)
        else:
            messages.success(request, f"Consent for {person.full_name} recorded.")
            return redirect("consent_person", external_id=person.external_id)
    intro = (
        ""
        if parents
        else "No parent or carer is recorded for this pupil. Add one in the people directory first."
    )
    return _form_page(
        request, form, f"Record consent for {person.full_name}",
        reverse("consent_person", args=[person.external_id]), intro=intro,
    )  # fmt: skip


@require("consent.manage")
def biometric(request, external_id):
    person = _pupil(external_id)
    if not services.is_child(person):
        raise Http404
    parents = _parents(person)
    form = BiometricForm(_data(request)[0], parents=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = next(p for p in parents if p.external_id == data["given_by"])
        decision = services.biometric_record(
            person=person,
            consent=data["answer"] == "consent",
            objection=data["answer"] == "object",
            child_refuses=_yes(data["child_refuses"]),
            given_by=parent,
            key=parent.external_id,
            method=data["method"],
            actor=request.user,
        )
        messages.success(request, f"Face matching: {decision.reason}")
        return redirect("consent_person", external_id=person.external_id)
    return _form_page(
        request, form, f"Face matching consent for {person.full_name}",
        reverse("consent_person", args=[person.external_id]),
        intro="The law needs a parent's written consent, no objection from any parent and no refusal by the child "
        "(Protection of Freedoms Act 2012, sections 26 to 28). If any of these is missing, the child's stored face data is deleted at once.",
    )  # fmt: skip


@require("consent.manage")
def link_new(request, external_id):
    person = _pupil(external_id)
    parents = _parents(person)
    if not services.is_child(person):
        raise Http404
    form = SendLinkForm(_data(request)[0], parents=parents)
    if request.method == "POST" and form.is_valid():
        parent = next(p for p in parents if p.external_id == form.cleaned_data["parent"])
        try:
            link = services.consent_link_create(parent=parent, child=person, actor=request.user)
        except ConsentError as error:
            _apply(form, error, "parent")
        else:
            messages.success(
                request,
                f"Link sent to {link.sent_to}. It works once, until {link.expires_at:%d %B %Y}.",
            )
            return redirect("consent_person", external_id=person.external_id)
    return _form_page(
        request, form, f"Send a consent link for {person.full_name}",
        reverse("consent_person", args=[person.external_id]), submit="Send link",
        intro=f"The parent or carer gets an email with a link that works once, for {consent_settings().link_expiry_days} days. "
        "They do not need an account.",
    )  # fmt: skip


@require("consent.manage")
def links(request):
    shown = list(services.unanswered_links().select_related("parent", "child")[:200])
    audit_list_view(
        object_type="consent.consentlink", ids=[x.pk for x in shown], page="consent links"
    )
    return render(request, "consent/links.html", {"links": shown})


# ---- import -----------------------------------------------------------------------------------


@require("consent.import")
def import_start(request):
    return csv_import_page(
        request,
        kind="consent",
        form_class=ImportForm,
        template="consent/import.html",
        job_url_name="consent_import_job",
    )


@require("consent.import")
def import_job(request, job_id):
    return csv_import_progress(
        request,
        job_id,
        kind="consent",
        template="consent/import_job.html",
        partial_template="consent/_import_progress.html",
    )


# ---- the restricted list ------------------------------------------------------------------------


@require("consent.restricted")
def restricted(request):
    people = list(services.restricted_people().prefetch_related("reference_photos"))
    for person in people:
        audit_view(obj=person, detail={"page": "restricted list"})
    show_reasons = can_see_restricted_reason(request.user)
    rows = [
        {
            "person": p,
            "reason": services.restricted_reason(p) if show_reasons else "",
            "photos": list(p.reference_photos.all()),
            "enrolled": p.face_embeddings.count(),  # photos enrolled
        }
        for p in people
    ]
    return render(
        request, "consent/restricted.html",
        {"rows": rows, "show_reasons": show_reasons, "can_manage": show_reasons},
    )  # fmt: skip


@require("consent.restricted.manage")
def restricted_add(request):
    pupils = Person.objects.filter(roles__role="pupil", is_active=True).distinct()
    form = RestrictedAddForm(_data(request)[0], pupils=pupils)
    if request.method == "POST" and form.is_valid():
        person = get_object_or_404(Person, external_id=form.cleaned_data["pupil"])
        try:
            services.restricted_set(
                person=person,
                restricted=True,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ConsentError as error:
            _apply(form, error)
        else:
            messages.success(
                request,
                f"{person.full_name} is on the restricted list. No photo of them will pass the check.",
            )
            return redirect("consent_restricted")
    return _form_page(
        request,
        form,
        "Add a child to the restricted list",
        reverse("consent_restricted"),
        submit="Add",
    )


@require("consent.restricted.manage")
def restricted_remove(request, external_id):
    person = _pupil(external_id)
    if person.external_id not in services.restricted_external_ids():
        raise Http404
    form = ConfirmForm(_data(request)[0])
    if request.method == "POST" and form.is_valid():
        services.restricted_set(person=person, restricted=False, actor=request.user)
        messages.success(request, f"{person.full_name} is no longer on the restricted list.")
        return redirect("consent_restricted")
    return _form_page(
        request, form, f"Take {person.full_name} off the restricted list", reverse("consent_restricted"),
        submit="Take off the list",
        intro="Their photos can then be published where their parents have given consent.",
    )  # fmt: skip


@require("consent.restricted")
def reference_add(request, external_id):
    person = _pupil(external_id)
    if person.external_id not in services.restricted_external_ids():
        raise Http404
    form = ReferencePhotoForm(*_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_photo_add(
                person=person, data=form.cleaned_data["photo"].read(), actor=request.user
            )
        except (ConsentError, PhotoError) as error:
            _apply(form, error, "photo")
        else:
            messages.success(request, f"Reference photo of {person.full_name} added.")
            return redirect("consent_restricted")
    return _form_page(
        request, form, f"Add a reference photo of {person.full_name}", reverse("consent_restricted"),
        submit="Add photo", multipart=True,
        intro="Reviewers compare unknown faces with it by eye. It is kept encrypted and only the DSL and the social media officers see it.",
    )  # fmt: skip


@never_cache
@require("consent.restricted")
def reference_image(request, photo_id):
    photo = get_object_or_404(ReferencePhoto.objects.select_related("person"), pk=photo_id)
    audit_view(obj=photo.person, detail={"reference_photo": photo.pk})
    return _image_response(crypto.photo_read(photo.stored_name, "reference"), "image/jpeg")


def _image_response(data: bytes, content_type: str) -> HttpResponse:
    if content_type == "image/jpeg" and data[:8] == b"\x89PNG\r\n\x1a\n":
        content_type = "image/png"
    elif content_type == "image/jpeg" and data[:4] == b"RIFF":
        content_type = "image/webp"
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- faces ------------------------------------------------------------------------------------


@require("consent.enrol")
def enrol(request, external_id):
    person = _pupil(external_id)
    decision = services.biometric_for(person)
    form = EnrolForm(*_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.face_enrol(
                person=person, photos=[form.cleaned_data["photo"].read()], actor=request.user
            )
        except (ConsentError, PhotoError) as error:
            _apply(form, error, "photo")
        else:
            messages.success(
                request,
                f"{person.full_name}'s face is enrolled. Only its description is kept, not the photo.",
            )
            return redirect("consent_person", external_id=person.external_id)
    return _form_page(
        request, form, f"Enrol {person.full_name}'s face", reverse("consent_person", args=[person.external_id]),
        submit="Enrol", multipart=True, intro=decision.reason,
        extra={"blocked": "" if decision.allowed else f"Face matching is not allowed: {decision.reason}"},
    )  # fmt: skip


@require("consent.own")
def mine(request):
    person = user_person(request.user)
    if person is None:
        raise Http404
    status = services.consent_status(person)
    initial = {
        p: "yes" if v["consented"] else "no"
        for p, v in status["purposes"].items()
        if v["consented"] is not None
    }
    if status["biometric"]["allowed"]:
        initial["biometric"] = "yes"
    form = OwnConsentForm(_data(request)[0], initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.consent_record(
            person=person, answers={p: _yes(data[p]) for p in services.PURPOSES}, given_by=person,
            method="in_person", actor=request.user,
        )  # fmt: skip
        services.biometric_record(
            person=person, consent=_yes(data["biometric"]), key="self", given_by=person, method="in_person",
            actor=request.user,
        )  # fmt: skip
        messages.success(request, "Your answers are saved. You can change them here at any time.")
        return redirect("consent_mine")
    return _form_page(
        request, form, "Photos of you", reverse("home"),
        intro="Say where the school may use photos of you (IMG-2). A withdrawal takes effect at once.",
    )  # fmt: skip


# ---- the photo check ----------------------------------------------------------------------------


@require("consent.check_photo")
def check_photo(request):
    form = PhotoCheckForm(*_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            _, check = services.photo_check_run(
                data=form.cleaned_data["photo"].read(), purpose=form.cleaned_data["purpose"],
                actor=request.user, via="web", keep=True,
            )  # fmt: skip
        except (ConsentError, PhotoError) as error:
            _apply(form, error, "photo")
        else:
            return redirect("consent_check", check_id=check.pk)
    return render(
        request,
        "consent/check_photo.html",
        {
            "form": form,
            "enrolled": services.gallery_size(),
            "demo_note": demo_note(has_capability(request.user, "consent.restricted")),
            "can_enrol": has_capability(request.user, "consent.enrol"),
            "batches": BatchCheck.objects.filter(started_by=request.user)[:5],
        },
    )


# ---- batch checks -------------------------------------------------------------------------------


@require("consent.check_photo")
def batch_new(request):
    form = BatchCheckForm(*_data(request))
    if request.method == "POST" and form.is_valid():
        uploads = []
        try:
            for upload in form.cleaned_data["uploads"]:
                if upload.size > batches.MAX_UPLOAD_BYTES:
                    raise batches.BatchError(
                        f"{upload.name} is larger than {batches.MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
                        "Split the photos into smaller zips.",
                        "files",
                    )
                uploads.append(batches.Upload(upload.name, upload.read()))
            batch = batches.batch_start(
                uploads=uploads, purpose=form.cleaned_data["purpose"], actor=request.user
            )
        except ConsentError as error:
            _apply(form, error, "files")
        else:
            run_batch_check.enqueue(batch.pk)
            return redirect("consent_batch", batch_id=batch.pk)
    return _form_page(
        request, form, "Check a batch of photos", reverse("consent_check_photo"),
        submit="Check photos", multipart=True,
        intro="Upload a zip file of event photos, several photos or a folder. They are checked in the background: you see "
        "each photo's result, and can download a contact sheet. The photos are deleted when the check ends; only "
        "small encrypted copies for the contact sheet are kept (and any photo a person must check).",
    )  # fmt: skip


def _batch_for(request, batch_id) -> BatchCheck:
    batch = BatchCheck.objects.filter(pk=batch_id).first()
    if batch is None or not (
        batch.started_by_id == request.user.pk or has_capability(request.user, "consent.review")
    ):
        raise Http404
    return batch


@require("consent.check_photo")
def batch_detail(request, batch_id):
    batch = _batch_for(request, batch_id)
    names = can_see_names(request.user)
    people = {}
    if names and not batch.running:
        people = _names([f for row in batch.results for f in row.get("faces", [])])
    rows = []
    for number, row in enumerate(batch.results, start=1):
        found = row.get("faces", [])
        rows.append(
            {
                "number": number,
                "name": row["name"],
                "verdict": row.get("verdict"),
                "message": row.get("message", ""),
                "check_id": row.get("check_id"),
                "faces": len(found),
                "people": sorted(
                    {people[f["external_id"]] for f in found if f.get("external_id") in people}
                ),
            }
        )
    if names and not batch.running:
        audit_view(obj=batch, detail={"page": "batch photo check", "named": len(people)})
    context = {
        "batch": batch,
        "rows": rows,
        "counts": batch.counts(),
        "purpose": consent_settings().labels.get(batch.purpose, batch.purpose),
    }
    template = (
        "consent/_batch_progress.html"
        if request.headers.get("HX-Request")
        else "consent/batch.html"
    )
    return render(request, template, context)


@never_cache
@require("consent.check_photo")
def batch_sheet(request, batch_id):
    batch = _batch_for(request, batch_id)
    if batch.state != "done":
        raise Http404
    audit_view(obj=batch, detail={"contact_sheet": True})
    png = batches.contact_sheet(
        batch,
        names=can_see_names(request.user),
        purpose_label=consent_settings().labels.get(batch.purpose, batch.purpose),
    )
    response = _image_response(png, "image/png")
    response["Content-Disposition"] = f'attachment; filename="contact-sheet-{batch.pk}.png"'
    return response


def _check_for(request, check_id) -> PhotoCheck:
    check = PhotoCheck.objects.filter(pk=check_id).first()
    if check is None or not can_view_check(request.user, check):
        raise Http404
    return check


def _names(faces) -> dict[str, str]:
    ids = {f["external_id"] for f in faces if f.get("external_id")}
    return {p.external_id: p.full_name for p in Person.objects.filter(external_id__in=ids)}


@require("consent.check_photo")
def check_detail(request, check_id):
    check = _check_for(request, check_id)
    audit_view(obj=check)
    names = can_see_names(request.user)
    people = _names(check.faces) if names else {}
    faces = [
        {
            "number": i + 1,
            "index": i,
            # Without names, a restricted face and one without consent look the same (IMG-3).
            "status": f["status"] if names else redact_face(f)["status"],
            "name": people.get(f.get("external_id"), "") if names else "",
            "reviewed": f.get("reviewed", False),
        }
        for i, f in enumerate(check.faces)
    ]
    return render(
        request,
        "consent/check.html",
        {
            "check": check,
            "faces": faces,
            "purpose": consent_settings().labels.get(check.purpose, check.purpose),
            "can_review": has_capability(request.user, "consent.review"),
        },
    )


@never_cache
@require("consent.check_photo")
def check_image(request, check_id):
    check = _check_for(request, check_id)
    try:
        data = services.check_image(check)
    except (ConsentError, OSError):
        raise Http404 from None
    names = can_see_names(request.user)
    audit_view(obj=check, detail={"page": "checked photo", "named": names})
    png = render_boxes(
        data, check.faces, labels=names, names=_names(check.faces) if names else None
    )
    return _image_response(png, "image/png")


@require("consent.review")
def reviews(request):
    checks = list(services.checks_awaiting_review()[:100])
    audit_list_view(
        object_type="consent.photocheck", ids=[c.pk for c in checks], page="face reviews"
    )
    return render(request, "consent/reviews.html", {"checks": checks})


@require("consent.review")
def review_face(request, check_id, face):
    check = _check_for(request, check_id)
    if not 0 <= face < len(check.faces) or not check.stored_name:
        raise Http404
    people = (
        Person.objects.filter(is_active=True)
        .exclude(roles__role__in=["parent", "public"])
        .distinct()
    )
    form = ReviewForm(_data(request)[0], people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = (
            Person.objects.filter(external_id=data.get("person")).first()
            if data.get("person")
            else None
        )
        try:
            services.face_review_record(
                check=check,
                face_index=face,
                decision=data["decision"],
                person=person,
                actor=request.user,
            )
        except ConsentError as error:
            _apply(form, error)
        else:
            messages.success(request, f"Face {face + 1} reviewed.")
            return redirect("consent_check", check_id=check.pk)
    sheet = [
        {"person": p, "photos": list(p.reference_photos.all())}
        for p in services.restricted_people().prefetch_related("reference_photos")
    ]
    for row in sheet:
        audit_view(obj=row["person"], detail={"page": "restricted-list reference sheet"})
    return render(
        request,
        "consent/review.html",
        {"form": form, "check": check, "face_number": face + 1, "sheet": sheet},
    )


# ---- takedowns ------------------------------------------------------------------------------------


@require("consent.takedown")
def takedowns(request):
    items = TakedownNeeded.objects.select_related("person", "done_by")[:200]
    return render(request, "consent/takedowns.html", {"takedowns": items})


@require("consent.takedown")
def takedown(request, takedown_id):
    item = get_object_or_404(TakedownNeeded.objects.select_related("person"), pk=takedown_id)
    audit_view(obj=item)
    form = TakedownDoneForm(_data(request)[0])
    if request.method == "POST" and form.is_valid():
        try:
            services.takedown_done(
                takedown=item, actor=request.user, note=form.cleaned_data["note"]
            )
        except ConsentError as error:
            _apply(form, error)
        else:
            messages.success(request, "Takedown marked as done.")
            return redirect("consent_takedowns")
    labels = consent_settings().labels
    return render(
        request,
        "consent/takedown.html",
        {
            "item": item,
            "form": form,
            "purposes": [labels.get(p, p) for p in item.purposes],
            "published": services.takedown_items(item),
            "can_open_archive": has_capability(request.user, "publishing.archive"),
        },
        status=400 if form.errors else 200,
    )


# ---- the parent's e-consent form (public: no account) --------------------------------------------------


@never_cache
@csrf_protect
def parent_form(request, token):
    link, problem = services.consent_link_resolve(token)
    if problem:
        return render(
            request, "consent/link_problem.html", {"problem": problem}, status=410 if link else 404
        )
    child_name = link.child.preferred_name or link.child.given_name
    form = ParentConsentForm(_data(request)[0], child_name=child_name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_link_answer(
                token=token,
                answers={p: _yes(data[p]) for p in services.PURPOSES},
                biometric=data["biometric"],
                child_refuses=_yes(data["child_refuses"]),
            )
        except ConsentError as error:
            return render(
                request, "consent/link_problem.html", {"problem": error.message}, status=410
            )
        return render(request, "consent/link_done.html", {"child_name": child_name})
    return render(
        request,
        "consent/parent_form.html",
        {
            "form": form,
            "link": link,
            "child_name": child_name,
            "purposes": consent_settings().purposes,
        },
    )


# ---- home ------------------------------------------------------------------------------------------


@register_home
def consent_home_items(request):
    user = request.user
    items = []
    if has_capability(user, "consent.takedown"):
        open_takedowns = TakedownNeeded.objects.filter(done_at__isnull=True).count()
        if open_takedowns:
            items.append(
                HomeItem(
                    title="Photos to take down",
                    url=reverse("consent_takedowns"),
                    description="Consent was withdrawn or a child was added to the restricted list (IMG-3).",
                    urgent=True,
                    count=open_takedowns,
                )
            )
    if has_capability(user, "consent.review"):
        waiting = services.checks_awaiting_review().count()
        if waiting:
            items.append(
                HomeItem(
                    title="Photos awaiting a check by eye",
                    url=reverse("consent_reviews"),
                    description="Faces the photo check could not recognise: confirm who they are.",
                    urgent=True,
                    count=waiting,
                )
            )
    if has_capability(user, "consent.manage"):
        unanswered = services.unanswered_links().count()
        if unanswered:
            items.append(
                HomeItem(
                    title="Consent links not yet answered",
                    url=reverse("consent_links"),
                    description="Parents who have not yet answered the image consent form.",
                    count=unanswered,
                )
            )
    return items
