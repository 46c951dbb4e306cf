from django_tasks import task

from .models import ImportJob
from .services import import_job_run


@task()
def run_import_job(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id, state="queued").first()
    if job is not None:
        import_job_run(job)
