"""Many cases fast (bulk_create), for the case-list scale test and benchmarks/bench_casework_scale.py.

Each case has the audience of its category's route (the Headteacher and DSL only when restricted),
one to three people (pupils from a pool with year groups, or a typed name), one or two actions
(open while the case is open), a chronology event, a lead handler once triaged. Fixed seed."""

import random
from datetime import UTC, datetime, timedelta

from socialguard.casework.models import Case, CaseAction, CaseAudience, CaseEvent, CaseParty
from socialguard.casework.packdata import casework_config
from socialguard.people.models import Person, PersonRole
from socialguard.policy.pack import get_pack

SEED = 20261202
START = datetime(2021, 9, 1, 8, tzinfo=UTC)
YEARS = [f"Year {n}" for n in range(7, 14)]
STATES = ["new", "triaged", "investigating", "outcome"] + ["closed"] * 16  # most are closed
BATCH = 2000


def pupils(count: int, rng: random.Random, prefix: str = "SEED") -> list[Person]:
    people = Person.objects.bulk_create(
        Person(
            external_id=f"{prefix}-P{n:05d}",
            given_name=rng.choice(["Amy", "Ben", "Chloe", "Dev", "Ella", "Finn", "Gita", "Hugo"]),
            family_name=f"Pupil{n:05d}",
            year_group=rng.choice(YEARS),
        )
        for n in range(count)
    )
    PersonRole.objects.bulk_create(PersonRole(person=p, role="pupil") for p in people)
    return people


def seed_cases(
    count: int,
    *,
    handler: Person | None = None,
    pool: list[Person] | None = None,
    now: datetime | None = None,
    prefix: str = "SC",
    restricted_every: int = 50,
    urgent_every: int = 40,
    rng: random.Random | None = None,
) -> None:
    """Add `count` cases spread evenly from START to `now`."""
    rng = rng or random.Random(SEED)
    now = now or datetime.now(UTC)
    pool = pool or pupils(max(50, count // 60), rng)
    categories = list(get_pack().categories.values())
    # Most concerns are safeguarding ones, which reach the DSL (as in a real school).
    safeguarding = [c for c in categories if "dsl" in c.route] or categories
    outcomes = list(casework_config().outcomes)
    span = (now - START).total_seconds()
    for first in range(0, count, BATCH):
        batch = range(first, min(count, first + BATCH))
        cases = []
        for n in batch:
            created = START + timedelta(seconds=span * n / max(1, count))
            state = rng.choice(STATES)
            if n % 10 < 7:
                category = safeguarding[n % len(safeguarding)]
            else:
                category = categories[n % len(categories)]
            cases.append(
                Case(
                    reference=f"{prefix}-{n:06d}",
                    category=category.id,
                    what_happened=f"Seeded concern {n}.",
                    state=state,
                    restricted=restricted_every > 0 and n % restricted_every == 7,
                    urgent=urgent_every > 0 and n % urgent_every == 3,
                    lead_handler=handler if state != "new" else None,
                    route=list(category.route),
                    created_at=created,
                    triage_due=created + timedelta(hours=24),
                    due_at=created + timedelta(days=20),
                    triaged_at=created + timedelta(hours=rng.randint(1, 48))
                    if state != "new"
                    else None,
                    closed_at=created + timedelta(days=15) if state == "closed" else None,
                    outcome=rng.choice(outcomes) if state in ("outcome", "closed") else "",
                )
            )
        Case.objects.bulk_create(cases)
        _dependants(cases, pool, rng)


def _dependants(cases: list[Case], pool: list[Person], rng: random.Random) -> None:
    routes = {c.id: c.route for c in get_pack().categories.values()}
    audience, parties, actions, events = [], [], [], []
    for case in cases:
        roles = ["headteacher", "dsl"] if case.restricted else routes[case.category]
        audience += [CaseAudience(case=case, role=role) for role in roles]
        for part in rng.sample(["victim", "alleged_perpetrator", "witness"], rng.randint(1, 3)):
            if rng.random() < 0.85:
                parties.append(
                    CaseParty(case=case, person=rng.choice(pool), part=part, kind="pupil")
                )
            else:
                parties.append(CaseParty(case=case, name="Someone online", part=part))
        for i in range(rng.randint(1, 2)):
            done = case.state == "closed" or (i == 0 and case.state != "new")
            actions.append(
                CaseAction(
                    case=case,
                    title=f"Action {i + 1}",
                    owner_role="dsl",
                    created_at=case.created_at,
                    due_at=case.created_at + timedelta(days=3 + 4 * i),
                    status="done" if done else "open",
                    done_at=case.created_at + timedelta(days=2) if done else None,
                )
            )
        events.append(CaseEvent(case=case, at=case.created_at, kind="reported", text="Reported."))
    CaseAudience.objects.bulk_create(audience, batch_size=BATCH)
    CaseParty.objects.bulk_create(parties, batch_size=BATCH)
    CaseAction.objects.bulk_create(actions, batch_size=BATCH)
    CaseEvent.objects.bulk_create(events, batch_size=BATCH)
