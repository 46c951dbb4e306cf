from django_tasks import task

from .schedule import load_sweeps, run_sweeps


@task()
def sweep_deadlines() -> dict:
    load_sweeps()
    return run_sweeps()
