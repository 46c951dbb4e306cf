"""Who may open the people app's own account-security URLs (the foundation's people URLs are in
tests/web/access.py). Merged by tests/test_access_matrix.py."""

MANAGERS = {"headteacher", "dpl"}  # St Martin's `accounts.managed_by`

ENTRIES = {
    "people_lockouts": ({"headteacher", "dpl"}, {}),
    "person_account": (
        MANAGERS,
        lambda w: {"external_id": w["account_staff"].external_id},
    ),
    "account_bulk_invite": (MANAGERS, lambda w: {"job_id": w["account_import_job"].pk}),
    # A one-time link's pages: public, and a bad or missing link is a plain page (never a 4xx).
    "account_link_form": ("public", {}),
    "account_link_open": ("public", {"token": "not-a-real-token"}),
}


def build_world(make_person, make_user):
    from socialguard.people.models import ImportJob

    owner = make_user("staff")
    return {
        "account_staff": make_person("staff", email="someone@school.example.org"),
        "account_import_job": ImportJob.objects.create(
            kind="people", started_by=owner, filename="staff.csv", content="", state="done"
        ),
    }
