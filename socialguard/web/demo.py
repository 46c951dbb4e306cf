"""The St Martin's demo school: people, accounts and records in every area (idempotent).

Each app adds its demo records with `register_demo`; load-demo runs the foundation first.
"""

from collections.abc import Callable
from importlib import import_module

from django.db import transaction

from socialguard.people.models import EncryptedTOTPDevice, Person
from socialguard.people.permissions import requires_two_factor
from socialguard.people.services import account_create, people_import
from socialguard.policy.pack import get_pack
from socialguard.policy.services import policy_acknowledge, policy_version_current

DEMO_PASSWORD = "stmartins-demo-2026"
DEMO_LOADERS: list[Callable] = []

# Staff and community beyond the pack's named role holders, plus pupils and parents.
# Columns: external_id, role, given_name, family_name, preferred_name, date_of_birth, upn, year_group, email, parent_of
DEMO_ROWS = [
    (
        "STAFF-010",
        "staff;line_manager",
        "Rachel",
        "Green",
        "",
        "",
        "",
        "",
        "r.green@stmartins.example.org",
        "",
    ),
    (
        "STAFF-011",
        "staff;parent",
        "Ahmed",
        "Khan",
        "",
        "",
        "",
        "",
        "a.khan@stmartins.example.org",
        "PUP-005",
    ),
    (
        "STAFF-012",
        "staff",
        "Laura",
        "Bennett",
        "",
        "",
        "",
        "",
        "l.bennett@stmartins.example.org",
        "",
    ),
    (
        "STAFF-013",
        "trainee_teacher",
        "Owen",
        "Hughes",
        "",
        "",
        "",
        "",
        "o.hughes@stmartins.example.org",
        "",
    ),
    (
        "CON-001",
        "contractor",
        "Peter",
        "Walsh",
        "",
        "",
        "",
        "",
        "p.walsh@contractor.example.org",
        "",
    ),
    ("VOL-001", "volunteer", "Sandra", "Lee", "", "", "", "", "s.lee@volunteer.example.org", ""),
    ("GOV-002", "governor", "Robert", "Hall", "", "", "", "", "r.hall@governors.example.org", ""),
    ("PUP-001", "pupil", "Amy", "Jones", "", "2014-05-12", "Q801200110001", "Year 7", "", ""),
    ("PUP-002", "pupil", "Oliver", "Smith", "Olly", "2014-09-30", "", "Year 7", "", ""),
    ("PUP-003", "pupil", "Chloe", "Brown", "", "2013-02-03", "", "Year 8", "", ""),
    ("PUP-004", "pupil", "Noah", "Taylor", "", "2012-11-21", "", "Year 9", "", ""),
    ("PUP-005", "pupil", "Zara", "Khan", "", "2013-07-08", "", "Year 8", "", ""),
    ("PUP-006", "pupil", "Leo", "Martin", "", "2014-01-15", "", "Year 7", "", ""),
    ("PUP-007", "pupil", "Mia", "Evans", "", "2012-03-27", "", "Year 9", "", ""),
    ("PUP-008", "pupil", "Jacob", "Wright", "Jake", "2013-12-01", "", "Year 8", "", ""),
    (
        "PAR-001",
        "parent",
        "Karen",
        "Jones",
        "",
        "",
        "",
        "",
        "karen.jones@parents.example.org",
        "PUP-001",
    ),
    (
        "PAR-002",
        "parent",
        "Mark",
        "Smith",
        "",
        "",
        "",
        "",
        "mark.smith@parents.example.org",
        "PUP-002",
    ),
    (
        "PAR-003",
        "parent",
        "Fatima",
        "Khan",
        "",
        "",
        "",
        "",
        "fatima.khan@parents.example.org",
        "PUP-005",
    ),
    (
        "PAR-004",
        "parent",
        "Dean",
        "Brown",
        "",
        "",
        "",
        "",
        "dean.brown@parents.example.org",
        "PUP-003",
    ),
    (
        "PAR-005",
        "parent",
        "Lisa",
        "Taylor",
        "",
        "",
        "",
        "",
        "lisa.taylor@parents.example.org",
        "PUP-004;PUP-006",
    ),
    ("EXP-001", "ex_pupil", "Ben", "Carter", "", "2005-06-06", "", "", "", ""),
]

# username for each account holder; every safeguarding role also gets a demo TOTP key.
DEMO_ACCOUNTS = {
    "STAFF-001": "head",
    "STAFF-002": "dsl",
    "STAFF-003": "deputy",
    "STAFF-004": "dpl",
    "STAFF-005": "wilson",
    "STAFF-006": "mbah",
    "GOV-001": "proprietor",
    "CST-001": "webadmin",
    "STAFF-010": "green",
    "STAFF-011": "khan",
    "STAFF-012": "teacher",
    "STAFF-013": "trainee",
    "CON-001": "contractor",
    "VOL-001": "volunteer",
    "GOV-002": "governor",
}
# Who has already acknowledged the policy in the demo, so the Headteacher's report shows both
# sides; everyone else (the Headteacher and the teacher included) still has it to do.
ACKNOWLEDGED = ("dsl", "deputy", "dpl", "wilson", "mbah", "green")
LINE_MANAGERS = {
    "STAFF-011": "STAFF-010",
    "STAFF-012": "STAFF-010",
    "STAFF-013": "STAFF-010",
    "STAFF-005": "STAFF-001",
    "STAFF-006": "STAFF-001",
    "STAFF-010": "STAFF-001",
    "STAFF-002": "STAFF-001",
    "STAFF-003": "STAFF-002",
    "STAFF-004": "STAFF-001",
}


def register_demo(loader: Callable) -> Callable:
    if loader not in DEMO_LOADERS:
        DEMO_LOADERS.append(loader)
    return loader


# The name of the authenticator load-demo makes; demo-code prints codes only for these.
DEMO_DEVICE_NAME = "Demo authenticator"


def demo_device(username: str):
    """The demo account's authenticator, or None. Its seed is random per install (made by
    load-demo and sealed with the master key), so reading the source gives no codes."""
    if username not in DEMO_ACCOUNTS.values():
        return None
    return EncryptedTOTPDevice.objects.filter(
        user__username=username, name=DEMO_DEVICE_NAME, confirmed=True
    ).first()


def _csv() -> str:
    pack = get_pack()
    lines = [
        "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of"
    ]
    holders: dict[str, list] = {}
    for h in pack.role_holders:
        holders.setdefault(h.external_id, []).append(h)
    for external_id, hs in holders.items():
        roles = ";".join(
            sorted(
                {h.role for h in hs} | ({"staff"} if pack.roles[hs[0].role].get("staff") else set())
            )
        )
        h = hs[0]
        lines.append(f"{external_id},{roles},{h.given_name},{h.family_name},,,,,{h.email},")
    lines += [",".join(row) for row in DEMO_ROWS]
    return "\n".join(lines) + "\n"


class DemoPackMismatch(ValueError):
    """The pack in use is not the one the demo school was written for."""


def check_demo_pack(pack) -> None:
    """The demo's accounts and line managers are the role holders of St Martin's pack: another
    school's pack has other people, so the demo refuses in words instead of failing half-way."""
    own = {row[0] for row in DEMO_ROWS}
    needed = (set(DEMO_ACCOUNTS) | set(LINE_MANAGERS) | set(LINE_MANAGERS.values())) - own
    missing = sorted(needed - {h.external_id for h in pack.role_holders})
    if missing:
        raise DemoPackMismatch(
            f"The demo school is St Martin's: its accounts need the role holders "
            f"{', '.join(missing)} of St Martin's pack, and the pack in use ({pack.source}, "
            f"{pack.school_name}) does not have them. Load your own people with import-people, "
            "or unset SOCIALGUARD_POLICY_PACK to try the demo."
        )


def load_foundation() -> list[dict]:
    """People, roles, line managers and accounts. Returns the sign-in sheet."""
    pack = get_pack()
    check_demo_pack(pack)
    version = policy_version_current(pack=pack)
    people_import(content=_csv(), system="demo loader")
    titles = {h.external_id: h.title for h in pack.role_holders}
    sheet = []
    with transaction.atomic():
        for person in Person.objects.filter(external_id__in=set(LINE_MANAGERS) | set(titles)):
            manager = LINE_MANAGERS.get(person.external_id)
            changed = False
            if manager and (
                person.line_manager is None or person.line_manager.external_id != manager
            ):
                person.line_manager = Person.objects.get(external_id=manager)
                changed = True
            if titles.get(person.external_id) and person.title != titles[person.external_id]:
                person.title = titles[person.external_id]
                changed = True
            if changed:
                person.save()
        for external_id, username in DEMO_ACCOUNTS.items():
            person = Person.objects.get(external_id=external_id)
            user = person.user or account_create(
                person=person, username=username, password=DEMO_PASSWORD
            )
            two_factor = requires_two_factor(user)
            if (
                two_factor
                and not EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists()
            ):
                # A fresh random seed (EncryptedTOTPDevice makes one when saved without a key).
                EncryptedTOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
            sheet.append(
                {
                    "username": username,
                    "name": person.display_name,
                    "roles": ", ".join(pack.role_label(r) for r in person.role_ids),
                    "two_factor": two_factor,
                }
            )
            if username in ACKNOWLEDGED:
                policy_acknowledge(user=user, version=version)
    return sheet


def load_demo() -> list[dict]:
    sheet = load_foundation()
    for app in ("casework", "publishing", "consent", "contact", "declarations"):
        try:
            import_module(f"socialguard.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"socialguard.{app}.demo":
                raise
    for loader in DEMO_LOADERS:
        loader()
    return sheet
