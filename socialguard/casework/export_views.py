"""The case report and the case bundle pages (building them is in casework/export.py)."""

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from socialguard.audit.services import audit_view
from socialguard.people.permissions import get_object_for_user, require

from . import export
from .models import Case
from .permissions import can_export_case


def _case(request, reference) -> Case:
    case = get_object_for_user(
        request.user, Case.objects.select_related("reporter__user"), reference=reference
    )
    if not can_export_case(request.user, case):
        raise PermissionDenied
    return case


def _options(request, case) -> tuple[bool, object, str]:
    """(redacted, subject party, error naming the field)."""
    data = request.POST if request.method == "POST" else request.GET
    redacted = data.get("redacted", "") in {"1", "yes", "on"}
    subject_id = data.get("subject", "")
    if not redacted or not subject_id:
        return redacted, None, ""
    subject = case.parties.filter(pk=subject_id).first() if subject_id.isdigit() else None
    if subject is None:
        return redacted, None, "subject: choose one of the people involved in this case"
    return redacted, subject, ""


def _attachment(response, name: str):
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require("cases.export")
def case_export(request, reference):
    case = _case(request, reference)
    redacted, subject, error = _options(request, case)
    if error:
        return _bundle_page(request, case, error, status=400)
    try:
        pdf = export.case_pdf(case, request.user, redacted=redacted, subject=subject)
    except export.ExportError as exc:
        return _bundle_page(request, case, str(exc), status=503)
    name = f"{case.reference}{'-redacted' if redacted else ''}.pdf"
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), name)


def _bundle_page(request, case, error="", status=200):
    exports = case.events.filter(kind="exported", text__contains="SHA-256").order_by("-at", "-id")
    context = {
        "case": case,
        "parties": case.parties.select_related("person"),
        "exports": exports[:10],
        "error": error,
    }
    return render(request, "casework/bundle.html", context, status=status)


@require("cases.export")
def case_bundle(request, reference):
    case = _case(request, reference)
    if request.method != "POST":
        audit_view(obj=case, request=request, detail={"page": "case bundle"})
        return _bundle_page(request, case)
    redacted, subject, error = _options(request, case)
    if error:
        return _bundle_page(request, case, error, status=400)
    folder = Path(tempfile.mkdtemp(prefix="sg-bundle-"))
    name = f"{case.reference}{'-redacted' if redacted else ''}-bundle.zip"
    target = folder / name
    try:
        digest = export.case_bundle(case, request.user, target, redacted=redacted, subject=subject)
    except export.ExportError as exc:
        folder.rmdir()
        return _bundle_page(request, case, str(exc), status=503)
    handle = target.open("rb")
    # The file is unlinked once open: nothing decrypted stays on disk after the download.
    target.unlink()
    folder.rmdir()
    response = FileResponse(handle, content_type="application/zip")
    response["X-Bundle-SHA256"] = digest
    return _attachment(response, name)
