"""Who may open each casework URL (merged by tests/test_access_matrix.py)."""

ALL = "*"
PUBLIC = "public"
HANDLERS = {"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"}
# The world's case is cyberbullying: routed to the DSL, the deputy and the Headteacher (REP-1).
CASE_AUDIENCE = {"dsl", "deputy_dsl", "headteacher"}


def _case(w):
    return {"reference": w["case"].reference}


def _evidence(w):
    return {"reference": w["case"].reference, "evidence_ref": w["evidence"].reference}


def _match(w):
    return {"reference": w["case"].reference, "match_id": w["match"].pk}


def _action(w):
    return {"reference": w["case"].reference, "action_id": w["action"].pk}


ENTRIES = {
    "casework:case_list": (HANDLERS, {}),
    "casework:report": (ALL, {}),
    "casework:people_search": (ALL, {}),
    "casework:people_siblings": (ALL, {}),
    "casework:my_reports": (ALL, {}),
    "casework:my_report": (set(), _case),  # only the reporter, who is no role-account of the matrix
    "casework:my_actions": (ALL, {}),
    "casework:my_action": (set(), lambda w: {"action_id": w["action"].pk}),  # only the owner
    "casework:my_action_complete": (
        set(),
        lambda w: {"action_id": w["action"].pk},
    ),  # only the owner
    "casework:support": (ALL, {}),
    "casework:dashboard": (HANDLERS, {}),
    "casework:governors_report": (HANDLERS, {}),
    "casework:governors_report_pdf": (HANDLERS, {}),
    "casework:low_level_index": ({"headteacher"}, {}),
    "casework:low_level_person": (
        {"headteacher"},
        lambda w: {"external_id": w["case_reporter"].external_id},
    ),
    # A person's safeguarding page and flags: the handlers (not about themselves or their child).
    "casework:person_search": (HANDLERS, {}),
    "casework:person_history": (
        HANDLERS,
        lambda w: {"external_id": w["case_reporter"].external_id},
    ),
    "casework:person_flag": (
        HANDLERS,
        lambda w: {"external_id": w["case_reporter"].external_id},
    ),
    "casework:public_report": (PUBLIC, {}),
    "casework:public_report_thanks": (PUBLIC, {}),
    "casework:case_detail": (CASE_AUDIENCE, _case),
    "casework:case_triage": (CASE_AUDIENCE, _case),
    "casework:case_acknowledge": (CASE_AUDIENCE, _case),
    "casework:case_not_urgent": (CASE_AUDIENCE, _case),
    "casework:case_advance": (CASE_AUDIENCE, _case),
    "casework:case_note": (CASE_AUDIENCE, _case),
    "casework:case_party": (CASE_AUDIENCE, _case),
    "casework:case_link": (CASE_AUDIENCE, _case),
    "casework:case_match": (CASE_AUDIENCE, _match),
    "casework:case_police_hold": (CASE_AUDIENCE, _case),
    "casework:case_action_complete": (CASE_AUDIENCE, _action),
    "casework:action_add": (CASE_AUDIENCE, _case),
    "casework:action_reassign": (CASE_AUDIENCE, _action),
    "casework:action_cancel": (CASE_AUDIENCE, _action),
    "casework:action_police_agree": (CASE_AUDIENCE, _action),
    "casework:action_brief": (CASE_AUDIENCE, _action),
    "casework:evidence_add": (CASE_AUDIENCE, _case),
    "casework:evidence_phone_call": (CASE_AUDIENCE, _case),
    "casework:evidence_download": (CASE_AUDIENCE, _evidence),
    "casework:evidence_flag": (CASE_AUDIENCE, _evidence),
    "casework:case_export": ({"headteacher", "dsl"}, _case),
    "casework:case_bundle": ({"headteacher", "dsl"}, _case),
    "api:create_report": (ALL, {}, "post"),
    "api:list_cases": (HANDLERS, {}),
    "api:get_case": (CASE_AUDIENCE, _case),
    "api:add_evidence": (CASE_AUDIENCE, _case, "post"),
    "api:complete_action": (CASE_AUDIENCE, _action, "post"),
    "api:decide_match": (CASE_AUDIENCE, _match, "post"),
}


def build_world(make_person, make_user):
    """A cyberbullying case nobody of the matrix is named in, with a stored screenshot and an action."""
    import io
    from datetime import UTC, datetime

    from PIL import Image

    from socialguard.casework import services
    from socialguard.casework.models import PossibleMatch

    reporter = make_user("staff")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    case = services.case_report(
        reporter=reporter.person,
        category="cyberbullying_harassment",
        what_happened="Matrix case",
        illegal_or_threats=True,
        user=reporter,
        upload=services.Upload(
            content=buffer.getvalue(),
            name="shot.png",
            captured_at=datetime(2026, 1, 5, tzinfo=UTC),
            site_address="https://example.org/x",
        ),
    )
    # A typed name that may mean the reporter (no role of the matrix): a match to decide.
    match = PossibleMatch.objects.create(
        case=case, person=reporter.person, source="text", created_at=case.created_at
    )
    return {
        "case": case,
        "match": match,
        "case_reporter": reporter.person,
        "evidence": case.evidence.get(),
        "action": case.actions.get(key="police_advice"),
    }
