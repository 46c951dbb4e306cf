import pytest

from socialguard.casework import services


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


@pytest.fixture
def report(school):
    def make(**overrides):
        fields = {
            "reporter": school["teacher"].person,
            "category": "cyberbullying_harassment",
            "what_happened": "Nasty comments on Facebook.",
            "platform": "Facebook",
            "url_or_sender": "https://facebook.example/post/1",
            "user": school["teacher"],
        }
        fields.update(overrides)
        return services.case_report(**fields)

    return make
