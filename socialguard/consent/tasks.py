"""Background work of the consent app."""

from django_tasks import task

from .models import BatchCheck


@task()
def run_batch_check(batch_id: int) -> None:
    """Check the photos of a batch (a zip or several photos) uploaded on the web page."""
    from .batch import batch_run

    batch = BatchCheck.objects.filter(pk=batch_id, state="queued").first()
    if batch is not None:
        batch_run(batch)
