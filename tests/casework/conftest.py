import pytest

from socialguard.casework import services


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests sign in with force_login: a slow password hash buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(make_user, make_person):
    """The handlers of the school (one per role), a teacher with a line manager, a pupil and a parent."""
    users = {
        role: make_user(role, username=role)
        for role in ("headteacher", "dsl", "deputy_dsl", "dpl", "proprietor")
    }
    manager = make_user("staff", "line_manager", username="manager")
    users["manager"] = manager
    users["teacher"] = make_user("staff", username="teacher", line_manager=manager.person)
    users["colleague"] = make_user("staff", username="colleague", line_manager=manager.person)
    users["pupil"] = make_person("pupil")
    users["parent"] = make_person("parent")
    return users


@pytest.fixture
def report(school):
    """Report a concern as the teacher, with sensible defaults."""

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
