import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Each test's database starts afresh, so its checkpoints must too."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    return settings.AUDIT_CHECKPOINT_FILE


@pytest.fixture
def school(make_user, make_person):
    """One account per handling role, and a teacher who reports."""
    users = {
        role: make_user(role, username=role)
        for role in ("headteacher", "dsl", "deputy_dsl", "dpl", "proprietor")
    }
    users["teacher"] = make_user("staff", username="teacher")
    users["pupil"] = make_person("pupil")
    return users


# The casework suite's `report` fixture, reporting as this school's teacher.
from tests.casework.conftest import report  # noqa: E402,F401
