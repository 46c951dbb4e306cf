"""Who may open each monitoring URL (merged by tests/test_access_matrix.py).

The world: a pupil's flag (the safeguarding leads and the Headteacher), and a pending warrant about
a member of staff on a case routed to the DSL, the deputy and the Headteacher, decided by the
Headteacher. The proprietor is not its approver and may not see the case, so it is a 404 to them."""

LEADS = {"dsl", "deputy_dsl", "headteacher"}
WARRANT_LIST = LEADS | {"proprietor"}


def _flag(w):
    return {"flag_id": w["monitoring_flag"].pk}


def _warrant(w):
    return {"warrant_id": w["monitoring_warrant"].pk}


ENTRIES = {
    "monitoring:index": (LEADS, {}),
    "monitoring:flag": (LEADS, _flag),
    "monitoring:flag_review": (LEADS, _flag, "post"),
    "monitoring:flag_escalate": (LEADS, _flag, "post"),
    "monitoring:exclusions": (LEADS, {}),
    "monitoring:warrants": (WARRANT_LIST, {}),
    "monitoring:warrant_new": (LEADS, {}),
    "monitoring:warrant": (LEADS, _warrant),
    "monitoring:warrant_decide": (LEADS, _warrant, "post"),
    "monitoring:warrant_revoke": (LEADS, _warrant, "post"),
    "monitoring:warrant_search": (LEADS, _warrant, "post"),
    "monitoring:identities": ({"dpl"}, {}),
    "monitoring:upload": (LEADS, {}),
}


def build_world(make_person, make_user):
    from datetime import timedelta

    from socialguard import clock
    from socialguard.casework import services
    from socialguard.monitoring import warrants
    from socialguard.monitoring.models import Flag

    pupil = make_person("pupil", year_group="Year 8")
    flag = Flag.objects.create(source="squid", time=clock.now(), person=pupil, identity="pupil8",
                               subject_kind="pupil", category="self_harm", severity="urgent",
                               matched="kill myself", target="http://www.google.com/search?q=x",
                               created_at=clock.now())  # fmt: skip
    reporter = make_user("staff")
    case = services.case_report(reporter=reporter.person, category="cyberbullying_harassment",
                                what_happened="Monitoring matrix case", user=reporter)  # fmt: skip
    today = clock.now().date()
    warrant = warrants.request(case=case, subject=make_person("staff"), requester=reporter.person,
                               justification="Matrix", sources=["squid"],
                               date_from=today - timedelta(days=1), date_to=today, days=3)  # fmt: skip
    return {"monitoring_flag": flag, "monitoring_warrant": warrant}
