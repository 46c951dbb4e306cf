"""Who may open each declarations URL (merged by tests/test_access_matrix.py)."""

STAFF = {
    "headteacher",
    "dsl",
    "deputy_dsl",
    "dpl",
    "social_media_officer",
    "line_manager",
    "staff",
    "trainee_teacher",
    "contractor",
    "volunteer",
}
TRAINING = {"headteacher", "dsl"}
APPROVERS = {"headteacher", "proprietor"}

ENTRIES = {
    "declaration_mine": (STAFF, {}),
    "declaration_new": (STAFF, {}),
    # Answers: only the person, the Headteacher and the person's own line manager.
    "declaration_detail": ({"headteacher"}, lambda w: {"declaration_id": w["declaration"].pk}),
    "declaration_team": (STAFF, {}),
    "declaration_overview": ({"headteacher"}, {}),
    "exception_list": ("*", {}),
    "exception_new": ("*", {}),
    "exception_detail": (APPROVERS, lambda w: {"exception_id": w["exception"].pk}),
    "training_overview": (TRAINING, {}),
    "training_new": (TRAINING, {}),
    "api:my_declaration": (STAFF, {}),
    "api:person_training": (TRAINING, lambda w: {"external_id": w["training_person"].external_id}),
}


def build_world(make_person, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from socialguard import clock
    from socialguard.declarations import services
    from socialguard.declarations.packdata import declarations_pack

    owner = make_person("staff")
    declaration = services.declaration_submit(
        person=owner, answers={i.id: i.ok_answer for i in declarations_pack().items}
    )
    exception = services.exception_request(
        requester=owner,
        kind="school_email_for_personal_account",
        platform="Forum",
        purpose="Resources",
        account_handle="owner",
        until=timezone.localdate(clock.now()) + timedelta(days=30),
    )
    return {
        "declaration": declaration,
        "exception": exception,
        "training_person": make_person("social_media_officer", "staff"),
    }
