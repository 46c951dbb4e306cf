"""Who may open each foundation URL. Every app keeps a module like this (tests/<app>/access.py);
the matrix test merges them and fails for any URL pattern that has no entry.

Each entry: url name -> (who may, kwargs or a function of the test world[, "post"]). "post" is for
endpoints that answer only POST before they check who is asking (the API's)."""

ALL = "*"  # anyone signed in
PUBLIC = "public"  # no sign-in needed

ENTRIES = {
    "home": (ALL, {}),
    "healthz": (PUBLIC, {}),
    "menu": (ALL, {}),
    "login": (PUBLIC, {}),
    "logout": (PUBLIC, {}),  # signing out is harmless for anyone
    "two_factor": (ALL, {}),
    "api_tokens": (ALL, {}),
    "api_token_revoke": (ALL, lambda w: {"token_id": w["token"].pk}),
    "policy": (ALL, {}),
    "policy_acknowledge": (ALL, {}),
    "policy_acknowledgements": ({"headteacher", "proprietor"}, {}),
    "policy_acknowledgements_version": (
        {"headteacher", "proprietor"},
        lambda w: {"version_id": w["version"].pk},
    ),
    "policy_acknowledgement_reminders": (
        {"headteacher", "proprietor"},
        lambda w: {"version_id": w["version"].pk},
    ),
    "people": ({"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"}, {}),
    "people_import": ({"headteacher", "dpl"}, {}),
    "people_import_job": ({"headteacher", "dpl"}, lambda w: {"job_id": w["import_job"].pk}),
    "person_detail": (
        {"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"},
        lambda w: {"external_id": w["pupil"].external_id},
    ),
    "audit": ({"headteacher", "dpl"}, {}),
    "api:api-root": (set(), {}),  # django-ninja answers 404 at the bare root
    "api:openapi-json": (PUBLIC, {}),
    "api:openapi-view": (PUBLIC, {}),
    "api:list_people": ({"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"}, {}),
    "api:get_person": (
        {"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"},
        lambda w: {"external_id": w["pupil"].external_id},
    ),
    "api:get_policy": (ALL, {}),
    "api:acknowledge": (ALL, {}, "post"),
}


def build_world(make_person, make_user):
    """One of each object the foundation URLs need."""
    from socialguard.people.models import ImportJob
    from socialguard.people.services import api_token_create
    from socialguard.policy.services import policy_version_current

    owner = make_user("staff")
    token, _ = api_token_create(user=owner, name="matrix", two_factor_verified=True)
    return {
        "pupil": make_person("pupil"),
        "version": policy_version_current(),
        "import_job": ImportJob.objects.create(
            kind="people", started_by=owner, filename="x.csv", content=""
        ),
        "token": token,
    }
