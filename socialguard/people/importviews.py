"""The web side of a CSV import, shared by people and consent: upload, then a progress page."""

from django.shortcuts import get_object_or_404, redirect, render

from .models import ImportJob
from .tasks import run_import_job


def csv_import_page(request, *, kind: str, form_class, template: str, job_url_name: str):
    """Upload a CSV; the worker runs it and the browser is sent to its progress page."""
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error(
                "file", "The file is not UTF-8 text: save it from your spreadsheet as 'CSV UTF-8'"
            )
        else:
            job = ImportJob.objects.create(
                kind=kind, started_by=request.user, filename=upload.name[:255], content=content
            )
            run_import_job.enqueue(job.pk)
            return redirect(job_url_name, job_id=job.pk)
    jobs = ImportJob.objects.filter(kind=kind)[:10]
    return render(request, template, {"form": form, "jobs": jobs})


def csv_import_progress(request, job_id: int, *, kind: str, template: str, partial_template: str):
    """The progress page; HTMX polls it for the partial until the import is done or refused."""
    job = get_object_or_404(ImportJob, pk=job_id, kind=kind)
    return render(
        request, partial_template if request.headers.get("HX-Request") else template, {"job": job}
    )
