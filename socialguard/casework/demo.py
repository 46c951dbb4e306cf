"""Demo cases in every state (idempotent: a case is made only when its demo text is missing).

Each case is reported some days ago and triaged some hours later (the clock is moved back while
it is made), so the dashboard shows a trend over the months, a triage that missed its deadline,
and actions that are overdue. The audit trail keeps the real time the demo was loaded."""

from datetime import timedelta

from socialguard import clock
from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from . import services
from .models import Case

DEMO_MARK = "[demo]"


def _person(external_id):
    return Person.objects.filter(external_id=external_id).first()


@register_demo
def load_casework_demo() -> None:
    teacher, khan = _person("STAFF-012"), _person("STAFF-011")
    head_user = getattr(_person("STAFF-001"), "user", None)
    dsl_user = getattr(_person("STAFF-002"), "user", None)
    specs = [  # state, category, text, people, reported days ago, hours until triage
        ("new", "pupil_cyberbullying", "Year 8 group chat mocking a pupil's photo.", [("PUP-003", "victim"), ("PUP-004", "alleged_perpetrator")], 0, None),
        ("triaged", "cyberbullying_harassment", "Abusive comments about Ms Bennett under a local news article.", [("STAFF-012", "victim")], 2, 1.5),
        ("investigating", "pupil_cyberbullying", "Threatening messages on Snapchat.", [("PUP-001", "victim"), ("PUP-002", "alleged_perpetrator")], 12, 5),
        ("outcome", "external_criticism", "A parent posted personal criticism of a teacher on Facebook.", [("PAR-002", "alleged_perpetrator")], 40, 30),
        ("closed", "personal_data_loss", "A class list was left on a shared drive open to the public.", [], 75, 3),
    ]  # fmt: skip
    now = clock.now()
    for state, category, text, people, days_ago, triage_after in specs:
        what = f"{text} {DEMO_MARK}"
        if Case.objects.filter(what_happened=what).exists():
            continue
        reported = now - timedelta(days=days_ago)
        parties = [{"person": _person(ext), "part": part} for ext, part in people if _person(ext)]
        with clock.frozen(reported):
            case = services.case_report(reporter=teacher or khan, category=category, what_happened=what,
                                        platform="Facebook", url_or_sender="https://example.org/post/1",
                                        parties=parties, victim_aware="yes")  # fmt: skip
        if state == "new":
            continue
        handler = head_user if category in ("external_criticism",) else dsl_user
        with clock.frozen(reported + timedelta(hours=triage_after)):
            services.case_triage(case=case, user=handler, pathway=services.suggest_pathway(case),
                                 legal_heads=["protection_from_harassment"] if "cyber" in category else [])  # fmt: skip
            for target in ("investigating", "outcome", "closed"):
                if Case.objects.get(pk=case.pk).state == state:
                    break
                case = Case.objects.get(pk=case.pk)
                if target == "closed":
                    for action in case.actions.filter(status="open"):
                        services.action_complete(action=action, user=handler, note="Done (demo).")
                services.case_advance(case=case, user=handler, outcome="no_further_action",
                                      outcome_text="Demo outcome.")  # fmt: skip
