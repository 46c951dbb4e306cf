"""Casework services: every write is atomic, audited and in the case chronology.

Emails are collected while the transaction runs and sent once it has committed, so nobody is
told about something that was rolled back."""

import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.matching import TITLES, DirectoryIndex, fold, possible_people, role_words
from socialguard.people.models import Person
from socialguard.people.permissions import user_person
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from . import uploads, vault
from .models import (
    Case,
    CaseAction,
    CaseAudience,
    CaseEvent,
    CaseParty,
    CaseRecipient,
    CustodyEvent,
    Evidence,
    EvidenceKey,
    EvidenceShred,
    PossibleMatch,
)
from .packdata import ActionTemplate, casework_config
from .permissions import named_person_ids

logger = logging.getLogger("socialguard.casework")

WHAT_HAPPENED_MAX = 10000  # the report form's limit, for every way in (web, API)
TRANSITIONS = {"triaged": "investigating", "investigating": "outcome", "outcome": "closed"}


class CaseworkError(ValueError):
    """A request the policy or the case's state does not allow; the message is for the user.
    `field` names the input at fault, when there is one (for forms and the API)."""

    def __init__(self, message: str = "", field: str = ""):
        super().__init__(message)
        self.field = field


class CaseworkConflict(CaseworkError):
    """The request is well formed but the record's state refuses it (an action already done, a
    closed case, an action paused by a police enquiry): the API answers 409, the web as any error."""

    http_status = 409


class EvidenceUnavailable(CaseworkError):
    pass


class EvidenceIntegrityError(CaseworkError):
    pass


# ---------------------------------------------------------------- notifications


@dataclass
class Mailbag:
    messages: list = field(default_factory=list)
    urgent: list = field(default_factory=list)

    def add(self, person: Person | None, subject: str, body: str) -> None:
        address = _email_of(person)
        # one sweep may escalate a case's triage, its actions and the case to the same person:
        # they get the email once
        if address and (address, subject, body) not in self.messages:
            self.messages.append((address, subject, body))

    def add_urgent(self, person: Person | None, subject: str, body: str) -> None:
        """Sent on its own, never in a digest, marked urgent for mail programs (casework/urgency.py)."""
        address = _email_of(person)
        if address and (address, subject, body) not in self.urgent:
            self.urgent.append((address, subject, body))

    def _digested(self) -> list:
        """One email per person: a sweep after downtime may owe someone many notices."""
        by_address: dict[str, list] = {}
        for address, subject, body in self.messages:
            by_address.setdefault(address, []).append((subject, body))
        digested = []
        for address, items in by_address.items():
            if len(items) == 1:
                digested.append((address, *items[0]))
                continue
            kinds = ", ".join(dict.fromkeys(subject.split(":")[0] for subject, _ in items))
            body = "\n----\n\n".join(f"{subject}\n\n{body}" for subject, body in items)
            digested.append((address, f"{len(items)} notices about your cases ({kinds})", body))
        return digested

    def send(self, digest: bool = False) -> int:
        sent = 0
        messages = self._digested() if digest else self.messages
        plain = [(a, f"[SocialGuard] {s}", b, None) for a, s, b in messages]
        urgent = [(a, f"URGENT [SocialGuard] {s}", b, URGENT_HEADERS) for a, s, b in self.urgent]
        for address, subject, body, headers in urgent + plain:
            try:
                if headers:
                    EmailMessage(subject, body, None, [address], headers=headers).send()
                else:
                    send_mail(subject, body, None, [address])
                sent += 1
            except Exception as exc:  # a mail outage must not lose the case: home still shows it
                # The exception text can carry the recipient's address: log its type only.
                logger.error("casework email could not be sent (%s)", type(exc).__name__)
        return sent


URGENT_HEADERS = {"X-Priority": "1", "Importance": "high"}


def _email_of(person: Person | None) -> str:
    if person is None:
        return ""
    if person.email:
        return person.email
    user = getattr(person, "user", None)
    return user.email if user is not None else ""


def case_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "casework:case_detail", kwargs={"reference": case.reference}
    )


def _tell(bag: Mailbag, person, case: Case, subject: str, line: str) -> None:
    # No details of the concern in email: only the reference and where to read it.
    bag.add(
        person,
        f"{subject}: {case.reference}",
        f"{line}\n\nCase {case.reference}. Sign in to SocialGuard to read it:\n{case_url(case)}\n",
    )


# ---------------------------------------------------------------- helpers


def _label(user) -> str:
    return user.get_username() if user is not None else "system"


def _event(case: Case, kind: str, text: str = "", user=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, at=clock.now(), actor=user, actor_label=_label(user), kind=kind, text=text
    )


def _new_reference() -> str:
    year = clock.now().year
    while True:
        reference = f"SG-{year}-{secrets.token_hex(3).upper()}"
        if not Case.objects.filter(reference=reference).exists():
            return reference


def _hours(name: str) -> timedelta:
    return timedelta(hours=get_pack().deadline_hours(name))


def _named_ids(case: Case) -> set[int]:
    """Linked parties and possible matches not ruled out: all are kept away from the case."""
    return named_person_ids(case)


def person_label(person: Person) -> str:
    """What a reporter or handler needs to tell people apart: "Mr David Okafor, Headteacher",
    "Amy Lee, Year 7". Never an external id, a date of birth or a UPN."""
    pack = get_pack()
    name = f"{person.title} {person.full_name}".strip()
    roles = set(person.role_ids)
    if roles & casework_config().pupil_roles and person.year_group:
        year = person.year_group
        return f"{name}, {'Year ' + year if year.isdigit() else year}"
    role = next((r for r in pack.roles if r in roles), None)
    return f"{name}, {pack.role_label(role)}" if role else name


def people_suggest(query: str, limit: int = 10) -> list[Person]:
    """Suggestions for a name being typed: the holders of a role it names ("the head"), then
    people whose names contain every word typed (titles and a picked label's ", role" ignored)."""
    query = query.split(",")[0]
    roles = DirectoryIndex.build([], role_words(get_pack())).match_name(query).roles
    terms = [t for t in query.split() if fold(t).strip(".") not in TITLES][:3]
    found: list[Person] = []
    if roles:
        found = list(
            Person.objects.filter(is_active=True, roles__role__in=roles)
            .distinct()
            .order_by("family_name", "given_name")[:limit]
        )
    if terms and len(found) < limit:
        people = Person.objects.filter(is_active=True).exclude(pk__in=[p.pk for p in found])
        for term in terms:
            people = people.filter(
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(preferred_name__icontains=term)
            )
        found += list(people.order_by("family_name", "given_name")[: limit - len(found)])
    return found


def holders(role: str, exclude: set[int] = frozenset()) -> list[Person]:
    """Active people holding a role, the pack's named holders first (their order is the line)."""
    order = {h.external_id: i for i, h in enumerate(get_pack().holders_of(role))}
    people = (
        Person.objects.filter(roles__role=role, is_active=True).exclude(pk__in=exclude).distinct()
    )
    return sorted(people, key=lambda p: (order.get(p.external_id, len(order)), p.pk))


def person_kind(person: Person) -> str:
    roles = set(person.role_ids)
    config = casework_config()
    if roles & config.staff_roles:
        return "staff"
    if roles & config.pupil_roles:
        return "pupil"
    if "parent" in roles:
        return "parent"
    if roles & config.public_roles:
        return "public"
    return "unknown"


def _party_is_staff(party: CaseParty) -> bool:
    return party.kind == "staff"


def suggest_pathway(case: Case) -> str:
    """CB-9/CB-10/MON-5: the pathway follows the alleged perpetrator's role."""
    kinds = [p.kind for p in case.parties.all() if p.part == "alleged_perpetrator"]
    if "staff" in kinds:
        return "staff"
    if "pupil" in kinds:
        return "pupil"
    if "parent" in kinds or "public" in kinds:
        return "parent_public"
    return ""


def escalation_chain(case: Case) -> list[str]:
    audience = set(case.audience.values_list("role", flat=True))
    chain = [r for r in case.route if r in audience]
    chain += [r for r in casework_config().restricted_roles if r in audience and r not in chain]
    return chain


def _set_audience(case: Case, roles) -> None:
    roles = list(dict.fromkeys(roles))
    case.audience.exclude(role__in=roles).delete()
    existing = set(case.audience.values_list("role", flat=True))
    CaseAudience.objects.bulk_create(
        [CaseAudience(case=case, role=r) for r in roles if r not in existing]
    )


def working_day_deadline(start: datetime, days: int) -> datetime:
    """`days` working days after `start` (Saturdays and Sundays do not count)."""
    tz = ZoneInfo(get_pack().school.get("timezone", "Europe/London"))
    moment = start.astimezone(tz)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


# ---------------------------------------------------------------- routing


def compute_route(
    category_id: str, parties: list[CaseParty], subjects: list[Person] = ()
) -> tuple[list[str], bool]:
    """REP-1 with KCSIE: about the Headteacher → proprietor; about staff → Headteacher; else the category.

    `subjects`: people who may be the alleged perpetrator (possible matches for a typed name): if
    any of them is the Headteacher, the concern goes the Headteacher's route (PRIN-a)."""
    config = casework_config()
    category = get_pack().categories[category_id]
    perpetrators = [p for p in parties if p.part == "alleged_perpetrator"]
    about_head = any(
        p.person is not None and "headteacher" in p.person.role_ids for p in perpetrators
    ) or any("headteacher" in person.role_ids for person in subjects)
    if about_head:
        return list(config.headteacher_allegation_route), True
    if any(_party_is_staff(p) for p in perpetrators):
        return list(config.staff_allegation_route), False
    return list(category.route), False


@enforces("REP-1", "PRIN-a")
def route_recipients(case: Case, start: int = 0) -> tuple[list[tuple[Person, str]], int]:
    """The people a case goes to: the first role on the route with someone not named in the case
    (PRIN-a skips a named holder to the next one); safeguarding categories also go to the next role
    (the DSL and the deputy). Returns the recipients and the route index of the last role used."""
    excluded = _named_ids(case)
    chain = escalation_chain(case)
    category = get_pack().categories.get(case.category)
    on_category_route = category is not None and list(case.route) == list(category.route)
    wanted = 2 if (on_category_route and category.safeguarding) or case.restricted else 1
    chosen, last = [], start - 1
    for index in range(start, len(chain)):
        people = holders(chain[index], excluded | {p.pk for p, _ in chosen})
        if people:
            chosen += [(p, chain[index]) for p in people]
            last = index
            wanted -= 1
            if wanted == 0:
                break
    return chosen, last


def _notify_recipients(case: Case, people, reason: str, bag: Mailbag) -> None:
    now = clock.now()
    for person, role in people:
        CaseRecipient.objects.create(
            case=case, person=person, role=role, reason=reason, created_at=now
        )
        verb = (
            "A concern has been routed to you"
            if reason == "routed"
            else "A case has been escalated to you"
        )
        _tell(
            bag, person, case, "New concern" if reason == "routed" else "Escalated case", verb + "."
        )


# ---------------------------------------------------------------- reporting


@dataclass
class Upload:
    content: bytes | None
    name: str = ""
    captured_at: datetime | None = None
    site_address: str = ""
    kind: str = "screenshot"
    description: str = ""


# A device clock a little ahead of the server's is not a future capture time.
CLOCK_SKEW = timedelta(minutes=10)


def _in_the_future(moment: datetime) -> bool:
    return moment > clock.now() + CLOCK_SKEW


def _require_physical_location(physical_location: str) -> None:
    """SLT-5: an item that is not stored must be said to be somewhere."""
    if not physical_location.strip():
        raise CaseworkError(
            "Say where the item is now, for example a locked cupboard, or that it is still on the device",
            field="physical_location",
        )


def _check_upload(upload: Upload) -> str:
    """Validate an upload before anything is written; returns its sniffed content type."""
    if upload.captured_at is None:
        raise vault.EvidenceRefused(
            "Enter the date and time the evidence was captured (CB-6)", field="captured_at"
        )
    if _in_the_future(upload.captured_at):
        raise vault.EvidenceRefused(
            "The capture time is in the future: enter when the screenshot or file was captured (CB-6)",
            field="captured_at",
        )
    if not upload.site_address.strip():
        raise vault.EvidenceRefused(
            "Enter the web address of the site, or the sender of the email (CB-6)",
            field="site_address",
        )
    if upload.content is None or len(upload.content) > settings.UPLOAD_MAX_BYTES:
        raise vault.EvidenceRefused(
            f"The file is larger than {size_limit_text()}: upload a smaller file"
        )
    uploads.refuse_oversized_image(upload.content)
    return vault.sniff(upload.content)


def size_limit_text(limit: int | None = None) -> str:
    """The upload limit for people: "25 MB", "1.5 MB", "500 KB" (never "0 MB")."""
    limit = settings.UPLOAD_MAX_BYTES if limit is None else limit
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if limit >= 1024:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


@enforces("RESP-4", "CB-4", "SLT-4", "SLT-5", "COV-1", "COV-2", "CB-3")
def case_report(
    *,
    reporter: Person | None,
    category: str,
    what_happened: str,
    location_kind: str = "social_media",
    platform: str = "",
    url_or_sender: str = "",
    happened_at=None,
    victim_aware: str = "unknown",
    illegal_or_threats: bool = False,
    indecent_image: bool = False,
    parties: list[dict] | None = None,
    reporter_is_victim: bool = False,
    source: str = "staff",
    public_name: str = "",
    public_contact: str = "",
    upload: Upload | None = None,
    item_description: str = "",
    physical_location: str = "",
    held_by: str = "",
    user=None,
) -> Case:
    """Record a concern, route it (REP-1) and tell the people it goes to."""
    pack = get_pack()
    if category not in pack.categories:
        raise CaseworkError(
            f"Choose a category from the list (unknown category {category!r})", field="category"
        )
    if not what_happened.strip():
        raise CaseworkError("Describe what happened", field="what_happened")
    if location_kind not in dict(Case.LOCATIONS):
        raise CaseworkError(
            f"Choose where it happened: one of {', '.join(dict(Case.LOCATIONS))}",
            field="location_kind",
        )
    if victim_aware not in dict(Case.AWARE):
        raise CaseworkError(
            f"victim_aware must be one of {', '.join(dict(Case.AWARE))}", field="victim_aware"
        )
    if len(what_happened) > WHAT_HAPPENED_MAX:
        raise CaseworkError(
            f"what_happened is too long: write at most {WHAT_HAPPENED_MAX} characters",
            field="what_happened",
        )
    if happened_at is not None and _in_the_future(happened_at):
        raise CaseworkError(
            "The date it happened is in the future: enter when it happened, or leave it out",
            field="happened_at",
        )
    known_hash_hit = False
    content_type = ""
    if upload is not None and not indecent_image:
        if upload.content is not None and vault.sha256_hex(upload.content) in vault.known_hashes():
            known_hash_hit = True
        else:
            content_type = _check_upload(upload)
    if indecent_image or known_hash_hit:
        if upload is not None:
            upload.content = None  # SLT-5: never keep a byte of it
        _require_physical_location(physical_location)
    bag = Mailbag()
    now = clock.now()
    with _atomic_with_files() as written:
        case = Case.objects.create(
            reference=_new_reference(),
            source=source,
            category=category,
            what_happened=what_happened.strip(),
            location_kind=location_kind,
            platform=platform.strip()[:120],
            url_or_sender=url_or_sender.strip()[:500],
            happened_at=happened_at,
            victim_aware=victim_aware,
            illegal_or_threats=illegal_or_threats,
            indecent_image=indecent_image or known_hash_hit,
            reporter=reporter,
            public_reporter_name=public_name[:200],
            public_reporter_contact=public_contact[:200],
            created_at=now,
            triage_due=now + _hours("triage"),
            due_at=now + _hours("case"),
        )
        for spec in parties or []:
            party = _party_create(case, **spec)
            if party.person_id is None:
                _matches_record(case, text=party.name, party=party, user=user)
        _matches_record(case, text=case.what_happened, user=user)
        if (
            reporter is not None
            and reporter_is_victim
            and not case.parties.filter(person=reporter).exists()
        ):
            _party_create(case, person=reporter, part="victim")
        route, about_head = compute_route(
            category, list(case.parties.select_related("person")), _possible_subjects(case)
        )
        case.route, case.about_headteacher = route, about_head
        case.save(update_fields=["route", "about_headteacher"])
        _set_audience(case, route)
        if case.indecent_image:
            _restrict(case)
        recipients, last = route_recipients(case)
        case.lead_handler = recipients[0][0] if recipients else None
        case.escalation_level = max(last, 0)
        case.save(update_fields=["lead_handler", "escalation_level"])
        _event(
            case,
            "reported",
            f"Reported ({case.get_source_display().lower()}) in the category "
            f"“{pack.categories[category].label}”.",
            user,
        )
        _notify_recipients(case, recipients, "routed", bag)
        if illegal_or_threats:
            _special_action(case, "police_advice", bag, user)
        if case.indecent_image:
            _slt5_record(
                case,
                user=user,
                description=item_description or (upload.description if upload else ""),
                physical_location=physical_location,
                held_by=held_by or _label(user),
                reason="known_hash" if known_hash_hit else "indecent_flag",
                bag=bag,
            )
        elif upload is not None:
            _store_file(case, upload, content_type, user, written)
        from . import urgency  # urgency builds on this module

        urgency.mark_if_urgent(case, bag, user)
        audit_record(
            action="case.reported", obj=case, detail={"category": category, "source": source}
        )
    bag.send()
    return case


def _party_create(
    case: Case, *, part: str, person: Person | None = None, name: str = "", kind: str = ""
) -> CaseParty:
    if part not in dict(CaseParty.PARTS):
        raise CaseworkError(
            f"Unknown part {part!r}: one of {', '.join(dict(CaseParty.PARTS))}", field="part"
        )
    if person is None and not name.strip():
        raise CaseworkError("Name the person, or choose them from the directory", field="name")
    kind = person_kind(person) if person is not None else (kind or "unknown")
    if kind not in dict(CaseParty.KINDS):
        raise CaseworkError(
            f"Unknown kind of person {kind!r}: one of {', '.join(dict(CaseParty.KINDS))}",
            field="kind",
        )
    return CaseParty.objects.create(
        case=case, person=person, name=name.strip()[:200], kind=kind, part=part
    )


# ---------------------------------------------------------------- typed names (PRIN-a)

MATCHES_LISTED = 12  # the chronology names this many possible matches, then counts the rest


def _names(people) -> str:
    labels = [person_label(p) for p in people[:MATCHES_LISTED]]
    if len(people) > MATCHES_LISTED:
        labels.append(f"{len(people) - MATCHES_LISTED} more")
    return "; ".join(labels)


@enforces("PRIN-a", "REP-1")
def _matches_record(
    case: Case, *, text: str, party: CaseParty | None = None, user=None
) -> list[PossibleMatch]:
    """Everyone in the directory the typed text may name becomes a possible match: treated as
    named in the case until a handler who is not named confirms or rules it out."""
    found = possible_people(text, prose=party is None)
    if party is None:  # someone already linked to the case is named: no need to ask again
        found -= set(case.parties.exclude(person=None).values_list("person_id", flat=True))
    elif party.person_id:
        found.discard(party.person_id)
    existing = set(case.possible_matches.filter(party=party).values_list("person_id", flat=True))
    now = clock.now()
    new = [
        PossibleMatch(
            case=case,
            party=party,
            person_id=pk,
            source="party" if party is not None else "text",
            created_at=now,
        )
        for pk in sorted(found - existing)
    ]
    if not new:
        return []
    PossibleMatch.objects.bulk_create(new)
    people = list(
        Person.objects.filter(pk__in=[m.person_id for m in new]).prefetch_related("roles")
    )
    where = (
        f"The name “{party.name}” ({party.get_part_display().lower()})"
        if party is not None
        else "What happened"
    )
    _event(
        case,
        "possible_match",
        f"{where} may mean someone in the directory: {_names(people)}. Until a handler who is "
        "not named confirms or rules out each match, they are treated as named in the case and "
        "cannot see it (PRIN-a).",
        user,
    )
    audit_record(
        action="case.possible_matches",
        obj=case,
        detail={
            "source": "party" if party is not None else "text",
            "people": sorted(p.external_id for p in people),
        },
    )
    return list(case.possible_matches.filter(party=party, person_id__in=[p.pk for p in people]))


def _subject_parts(case: Case) -> tuple[str, ...]:
    # A report from outside says who it is "about": that person may be the one accused.
    return ("alleged_perpetrator", "other") if case.source == "public" else ("alleged_perpetrator",)


def _possible_subjects(case: Case) -> list[Person]:
    """People who may be the alleged perpetrator through a possible match not ruled out."""
    return list(
        Person.objects.filter(
            pk__in=case.possible_matches.filter(
                state__in=PossibleMatch.NAMING_STATES, party__part__in=_subject_parts(case)
            ).values("person_id")
        ).prefetch_related("roles")
    )


def _audience_roles(case: Case) -> tuple:
    config = casework_config()
    if case.restricted:
        return config.restricted_roles
    if case.staff_concern_level == "low_level":
        return (
            config.headteacher_allegation_route
            if case.about_headteacher
            else config.low_level_roles
        )
    return tuple(case.route)


@enforces("REP-1", "PRIN-a")
def _route_refresh(case: Case, bag: Mailbag, user=None) -> None:
    """After the people named in a case change: a concern that may now (or may no longer) be about
    the Headteacher goes the route the pack gives for that, and a lead handler who is named hands
    the case on to the next holder."""
    if case.category not in get_pack().categories:
        return
    route, about_head = compute_route(
        case.category, list(case.parties.select_related("person")), _possible_subjects(case)
    )
    if about_head != case.about_headteacher:
        case.route, case.about_headteacher = route, about_head
        case.save(update_fields=["route", "about_headteacher"])
        _set_audience(case, _audience_roles(case))
        recipients, last = route_recipients(case)
        case.lead_handler = recipients[0][0] if recipients else None
        case.escalation_level = max(last, 0)
        case.save(update_fields=["lead_handler", "escalation_level"])
        roles = ", ".join(get_pack().role_label(r) for r in route)
        _event(
            case,
            "rerouted",
            f"The concern may be about the Headteacher, so it now goes to: {roles} (KCSIE)."
            if about_head
            else f"The concern is no longer thought to be about the Headteacher: it goes back to "
            f"its usual route: {roles}.",
            user,
        )
        _notify_recipients(case, recipients, "routed", bag)
    elif case.lead_handler_id and case.lead_handler_id in _named_ids(case):
        recipients, last = route_recipients(case)
        case.lead_handler = recipients[0][0] if recipients else None
        case.save(update_fields=["lead_handler"])
        _event(
            case,
            "rerouted",
            "The lead handler is named in the case, so it moved to the next holder (PRIN-a).",
        )
        _notify_recipients(case, recipients[:1], "routed", bag)


@enforces("PRIN-a")
def case_match_decide(*, match: PossibleMatch, user, decision: str) -> PossibleMatch:
    """A handler who is not named confirms a possible match (the typed name is that person) or
    rules it out (they are no longer treated as named, unless named another way)."""
    if decision not in ("confirm", "reject"):
        raise CaseworkError("Choose whether to confirm the match or rule it out", field="decision")
    case = match.case
    decider = user_person(user)
    if decider is None or decider.pk in _named_ids(case):
        raise CaseworkError(
            "You are named in this case, or may be, so you cannot decide who it names (PRIN-a)"
        )
    bag = Mailbag()
    with transaction.atomic():
        match = (
            PossibleMatch.objects.select_for_update(of=("self",))
            .select_related("person", "party")
            .get(pk=match.pk)
        )
        if match.state != "possible":
            raise CaseworkError("This match has already been decided")
        _match_decide(case, match, user, decision, bag)
        _route_refresh(case, bag, user)
        audit_record(
            action=f"case.match_{'confirmed' if decision == 'confirm' else 'rejected'}",
            obj=case,
            detail={"match": match.pk, "person": match.person.external_id, "source": match.source},
        )
    bag.send()
    return match


def _match_decide(case: Case, match: PossibleMatch, user, decision: str, bag: Mailbag) -> None:
    now = clock.now()
    person, party = match.person, match.party
    typed = f"“{party.name}”" if party is not None else "what happened"
    match.state = "confirmed" if decision == "confirm" else "rejected"
    match.decided_by, match.decided_at = user, now
    match.save(update_fields=["state", "decided_by", "decided_at"])
    if decision == "reject":
        _event(
            case,
            "match_rejected",
            f"Ruled out: {typed} does not mean {person_label(person)}.",
            user,
        )
        return
    text = f"Confirmed: {typed} means {person_label(person)}."
    if party is None:
        _party_create(case, part="other", person=person)
    else:
        party.person, party.kind = person, person_kind(person)
        party.save(update_fields=["person", "kind"])
        others = list(party.possible_matches.filter(state="possible").select_related("person"))
        for other in others:
            other.state, other.decided_by, other.decided_at = "rejected", user, now
            other.save(update_fields=["state", "decided_by", "decided_at"])
        if others:
            text += f" So it does not mean: {_names([o.person for o in others])}."
    _event(case, "match_confirmed", text, user)
    _reassign_named_owner(case, person, bag, user)


# ---------------------------------------------------------------- actions


def _resolve_owner(case: Case, owner_role: str) -> Person | None:
    excluded = _named_ids(case)
    if owner_role == "handler":
        if case.lead_handler_id and case.lead_handler_id not in excluded:
            return case.lead_handler
        owner_role = (escalation_chain(case) or ["headteacher"])[0]
    if owner_role == "victim_line_manager":
        for party in (
            case.parties.filter(part="victim")
            .exclude(person=None)
            .select_related("person__line_manager")
        ):
            manager = party.person.line_manager
            if manager is not None and manager.pk not in excluded:
                return manager
        owner_role = "headteacher"
    people = holders(owner_role, excluded)
    return people[0] if people else None


def _due(template: ActionTemplate, now: datetime) -> datetime:
    if template.key == "lado_referral":
        return working_day_deadline(now, casework_config().lado_referral_working_days)
    return now + _hours(template.deadline)


def _action_create(case: Case, template: ActionTemplate, bag: Mailbag, user=None) -> CaseAction:
    now = clock.now()
    owner = _resolve_owner(case, template.owner_role)
    action = CaseAction.objects.create(
        case=case,
        key=template.key,
        title=template.title,
        clause=template.clause,
        owner=owner,
        owner_role=template.owner_role,
        internal=template.internal,
        created_at=now,
        due_at=_due(template, now),
    )
    _event(case, "action_raised", f"Action raised: {template.title} ({template.clause}).", user)
    from . import actions  # the handlers' controls build on this module

    actions.support_details(action)  # CB-12: whom to support, what to know
    # The link is the owner's task page: a line manager may not open the case (CB-12).
    actions.tell_owner(bag, action, "New action for you", f"You own a new action: {template.title}.")
    return action


def _special_action(case: Case, key: str, bag: Mailbag, user=None) -> CaseAction:
    existing = case.actions.filter(key=key, status="open").first()
    return existing or _action_create(case, casework_config().special_actions[key], bag, user)


@enforces("CB-11")
def action_complete(*, action: CaseAction, user, note: str = "") -> CaseAction:
    """Mark an action done. While a police enquiry is active, an internal action is paused and
    cannot be done unless the police agreed to it (casework/actions.py, CB-11)."""
    from . import actions

    case = action.case
    with transaction.atomic():
        actions.lock(action)
        actions.check_complete(action)
        action.status, action.done_at, action.done_by = "done", clock.now(), user
        action.done_note = note.strip()
        action.save()
        text = f"Action done: {action.title}."
        if action.police_agreed_at is not None and case.police_hold:
            text += f" Agreed with the police: {action.police_agreed_by}."
        _event(case, "action_done", text, user)
        audit_record(action="case.action_done", obj=action, detail={"case": case.reference})
    return action


# ---------------------------------------------------------------- workflow


@enforces("CB-9", "CB-10", "RESP-2", "RESP-3", "MON-5", "CB-12", "SLT-2")
def case_triage(
    *,
    case: Case,
    user,
    pathway: str = "",
    legal_heads=(),
    staff_concern_level: str = "",
    note: str = "",
) -> Case:
    """Triage a new case: choose the pathway (its standard actions follow), tag legal heads,
    classify a concern about staff (low-level → Headteacher only; allegation → LADO referral)."""
    config = casework_config()
    if case.state != "new":
        raise CaseworkError("Only a new case can be triaged")
    if pathway and pathway not in config.pathways:
        raise CaseworkError(f"Unknown pathway {pathway!r}")
    unknown = [h for h in legal_heads if h not in get_pack().legal_heads]
    if unknown:
        raise CaseworkError(f"Unknown legal head {unknown[0]!r}")
    if staff_concern_level not in dict(Case.STAFF_CONCERN_LEVELS):
        raise CaseworkError("Choose whether the concern about staff is low-level or an allegation")
    bag = Mailbag()
    with transaction.atomic():
        case.state, case.triaged_at = "triaged", clock.now()
        case.pathway, case.legal_heads, case.staff_concern_level = (
            pathway,
            list(legal_heads),
            staff_concern_level,
        )
        case.save()
        _event(case, "triaged", note.strip() or "Triaged.", user)
        if staff_concern_level == "low_level":
            roles = (
                config.headteacher_allegation_route
                if case.about_headteacher
                else config.low_level_roles
            )
            _set_audience(case, roles)
            if case.indecent_image:
                _restrict(case)
            _event(
                case,
                "low_level",
                "Recorded as a low-level concern about a member of staff: "
                "visible to the Headteacher only.",
                user,
            )
        elif staff_concern_level == "allegation":
            _special_action(case, "lado_referral", bag, user)
        if pathway:
            _event(case, "pathway", f"Pathway: {config.pathways[pathway].label}.", user)
            for template in config.pathways[pathway].actions:
                _action_create(case, template, bag, user)
        if any(_party_is_staff(p) for p in case.parties.filter(part="victim")):
            _special_action(case, "line_manager_support", bag, user)
            _special_action(case, "occupational_health", bag, user)
        audit_record(
            action="case.triaged",
            obj=case,
            detail={"pathway": pathway, "legal_heads": list(legal_heads)},
        )
    bag.send()
    return case


@enforces("CB-11", "SLT-4", "SLT-5")
def case_advance(
    *, case: Case, user, outcome: str = "", outcome_text: str = "", override_reason: str = ""
) -> Case:
    """new → triaged (case_triage) → investigating → outcome → closed. No investigation during a
    police enquiry without a police agreement (CB-11); no outcome while a police or urgent action
    is open, unless `override_reason` says why (casework/actions.py)."""
    from . import actions

    target = TRANSITIONS.get(case.state)
    if target is None:
        raise CaseworkError(
            "Triage the case first" if case.state == "new" else "The case is closed"
        )
    config = casework_config()
    if target == "outcome":
        allowed = config.pathways[case.pathway].outcomes if case.pathway else tuple(config.outcomes)
        if case.staff_concern_level == "low_level":
            allowed = (*allowed, "low_level_recorded")
        if outcome not in allowed:
            raise CaseworkError("Choose an outcome")
    if target == "closed" and case.actions.filter(status="open").exists():
        raise CaseworkError("Finish or record every open action before closing the case")
    if target == "investigating":
        actions.check_investigation_start(case)
    with transaction.atomic():
        override = actions.check_outcome(case, override_reason) if target == "outcome" else ""
        case.state = target
        if target == "outcome":
            case.outcome, case.outcome_text = outcome, outcome_text.strip()
        if target == "closed":
            case.closed_at = clock.now()
        case.save()
        text = {
            "investigating": "Investigation started.",
            "outcome": f"Outcome: {config.outcomes.get(outcome, outcome)}. {outcome_text.strip()}".strip(),
            "closed": "Case closed.",
        }[target]
        _event(case, target, text, user)
        if override:
            _event(case, "outcome_override", override, user)
        audit_record(action=f"case.{target}", obj=case)
    return case


def case_note_add(*, case: Case, user, text: str) -> CaseEvent:
    if not text.strip():
        raise CaseworkError("Write the note")
    with transaction.atomic():
        event = _event(case, "note", text.strip(), user)
        audit_record(action="case.note_added", obj=case)
    return event


@enforces("PRIN-a")
def case_party_add(
    *, case: Case, user, part: str, person: Person | None = None, name: str = "", kind: str = ""
) -> CaseParty:
    """Name someone in the case. A typed name is matched against the directory (PRIN-a); anyone
    it may mean is treated as named: a named lead handler hands the case to the next holder, the
    actions they own move on, and a concern that may be about the Headteacher goes his route."""
    bag = Mailbag()
    with transaction.atomic():
        party = _party_create(case, part=part, person=person, name=name, kind=kind)
        _event(
            case, "party_added", f"{party.label} added as {party.get_part_display().lower()}.", user
        )
        named = [person] if person is not None else []
        if person is None:
            named += [
                m.person for m in _matches_record(case, text=party.name, party=party, user=user)
            ]
        _route_refresh(case, bag, user)
        for someone in named:
            _reassign_named_owner(case, someone, bag, user)
    bag.send()
    return party


@enforces("REP-2", "CB-4")
def victim_signposting_due(person: Person) -> bool:
    """Whether the home page offers a victim support and signposting (REP-2): only for an open case
    they reported themselves or were told about. A victim who does not know about it (CB-4) is not
    told about the case this way: the handler decides how and when they learn of it."""
    return (
        CaseParty.objects.filter(person=person, part="victim", case__closed_at__isnull=True)
        .filter(Q(case__reporter=person) | Q(case__victim_aware="yes"))
        .exists()
    )


def _reassign_named_owner(case: Case, person: Person, bag: Mailbag, user=None) -> None:
    """PRIN-a: someone just named in the case cannot own its actions: each open action they own
    moves to the next owner the pack's rule gives (the named person is skipped)."""
    for action in case.actions.filter(owner=person, status="open"):
        action.owner = _resolve_owner(case, action.owner_role)
        action.save(update_fields=["owner"])
        who = action.owner.full_name if action.owner else "no one (no other holder)"
        _event(
            case,
            "action_reassigned",
            f"“{action.title}” moved to {who}: its owner is named in the case (PRIN-a).",
            user,
        )
        from . import actions

        actions.tell_owner(bag, action, "New action for you", f"You own a new action: {action.title}.")


def case_link(*, case: Case, other: Case, user) -> None:
    if other.pk == case.pk:
        raise CaseworkError("A case cannot be linked to itself")
    with transaction.atomic():
        case.linked_cases.add(other)
        _event(case, "linked", f"Linked to case {other.reference}.", user)
        _event(other, "linked", f"Linked to case {case.reference}.", user)


@enforces("CB-11")
def case_police_hold_set(*, case: Case, user, active: bool, note: str = "") -> Case:
    """While a police enquiry is active its internal actions are paused, except those agreed with
    the police; lifted, they resume with their deadlines moved on (casework/actions.py)."""
    from . import actions

    with transaction.atomic():
        list(Case.objects.select_for_update().filter(pk=case.pk).values("pk"))
        case.refresh_from_db(fields=["police_hold", "police_hold_since"])
        text = actions.police_hold_changed(case, active=active, user=user)
        case.police_hold = active
        case.save(update_fields=["police_hold", "police_hold_since"])
        _event(case, "police_hold", f"{text} {note.strip()}".strip(), user)
        audit_record(
            action="case.police_hold_set" if active else "case.police_hold_lifted",
            obj=case,
            detail={"note": note.strip()[:1000]},
        )
    return case


# ---------------------------------------------------------------- evidence


def _custody(evidence: Evidence, action: str, user=None, detail: str = "") -> None:
    CustodyEvent.objects.create(
        evidence=evidence,
        at=clock.now(),
        actor=user,
        actor_label=_label(user),
        action=action,
        detail=detail[:300],
    )


@contextmanager
def _atomic_with_files():
    """transaction.atomic() that owns the vault files written inside it (write-then-commit): the
    block appends each storage name it writes, and if the block fails — so the rows naming those
    files roll back — the files are deleted before the error goes on. A crash between write and
    commit leaves an unreferenced file, which vault_orphans_sweep removes."""
    written: list[str] = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        for name in written:
            vault.remove_file(name)
        raise


def _store_file(
    case: Case, upload: Upload, content_type: str, user, written: list[str]
) -> Evidence:
    """Encrypt and store; the caller holds the transaction (_atomic_with_files), which removes the
    file again if anything in it fails."""
    digest = vault.sha256_hex(upload.content)
    stored = vault.encrypt_and_store(upload.content)
    written.append(stored["storage_name"])
    evidence = Evidence.objects.create(
        case=case,
        kind=upload.kind,
        description=upload.description.strip(),
        captured_at=upload.captured_at,
        site_address=upload.site_address.strip()[:500],
        original_name=(upload.name or "upload")[:255],
        content_type=content_type,
        size=len(upload.content),
        sha256=digest,
        storage_name=stored["storage_name"],
        nonce=stored["nonce"],
        added_by=user,
        added_by_label=_label(user),
        added_at=clock.now(),
    )
    EvidenceKey.objects.create(
        evidence=evidence, wrapped_key=stored["wrapped_key"], wrap_nonce=stored["wrap_nonce"]
    )
    _custody(evidence, "uploaded", user, f"SHA-256 {digest}")
    _event(
        case,
        "evidence_added",
        f"Evidence added: {evidence.get_kind_display()} “{evidence.original_name}”, "
        f"SHA-256 {digest}.",
        user,
    )
    audit_record(
        action="evidence.uploaded", obj=evidence, detail={"case": case.reference, "sha256": digest}
    )
    return evidence


@enforces("SLT-3", "CB-6")
def evidence_add_file(
    *,
    case: Case,
    user,
    upload: Upload,
    may_be_indecent: bool = False,
    physical_location: str = "",
    held_by: str = "",
) -> Evidence:
    """Add a file to the vault; with the SLT-5 flag, or a known hash, record it without a byte of it."""
    if (
        not may_be_indecent
        and upload.content is not None
        and vault.sha256_hex(upload.content) in vault.known_hashes()
    ):
        upload.content = None
        return _slt5_protocol(
            case, user, upload.description, physical_location, held_by, "known_hash"
        )
    if may_be_indecent:
        upload.content = None
        return _slt5_protocol(
            case, user, upload.description, physical_location, held_by, "indecent_flag"
        )
    content_type = _check_upload(upload)
    with _atomic_with_files() as written:
        return _store_file(case, upload, content_type, user, written)


def _slt5_protocol(case, user, description, physical_location, held_by, reason) -> Evidence:
    _require_physical_location(physical_location)
    bag = Mailbag()
    with transaction.atomic():
        evidence = _slt5_record(
            case,
            user=user,
            description=description,
            physical_location=physical_location,
            held_by=held_by or _label(user),
            reason=reason,
            bag=bag,
        )
    bag.send()
    return evidence


@enforces("SLT-5")
def _slt5_record(
    case: Case,
    *,
    user,
    description: str,
    physical_location: str,
    held_by: str,
    reason: str,
    bag: Mailbag,
) -> Evidence:
    """Record the item without its content, restrict the case, raise "contact the police now"."""
    now = clock.now()
    evidence = Evidence.objects.create(
        case=case,
        kind="physical_item",
        description=description.strip() or "Item that may be an indecent image of a child",
        physical_location=physical_location.strip()[:300],
        held_by=held_by.strip()[:200],
        held_since=now,
        refused_reason=reason,
        added_by=user,
        added_by_label=_label(user),
        added_at=now,
    )
    _custody(evidence, "held_physically", user, f"Held by {held_by} at {physical_location}"[:300])
    _restrict(case)
    why = (
        "its SHA-256 is on the known-hash list"
        if reason == "known_hash"
        else "it may be an indecent image of a child"
    )
    _event(
        case,
        "slt5",
        f"Not stored because {why} (SLT-5). Held at: {physical_location}; held by {held_by}.",
        user,
    )
    _special_action(case, "police_now", bag, user)
    from . import urgency  # urgency builds on this module

    urgency.mark_if_urgent(case, bag, user)
    audit_record(
        action="evidence.refused_slt5",
        obj=evidence,
        detail={"case": case.reference, "reason": reason},
    )
    return evidence


def _restrict(case: Case) -> None:
    roles = casework_config().restricted_roles
    case.restricted = True
    case.indecent_image = True
    case.save(update_fields=["restricted", "indecent_image"])
    _set_audience(case, roles)


def evidence_phone_call_add(*, case: Case, user, call_at, who: str, summary: str) -> Evidence:
    """SLT-3: a log of a phone call (time, who, summary)."""
    if call_at is None or not who.strip() or not summary.strip():
        raise CaseworkError("Enter the time of the call, who it was with and a summary")
    with transaction.atomic():
        evidence = Evidence.objects.create(
            case=case,
            kind="phone_call",
            phone_call_at=call_at,
            phone_who=who.strip()[:200],
            phone_summary=summary.strip(),
            added_by=user,
            added_by_label=_label(user),
            added_at=clock.now(),
        )
        _custody(evidence, "logged", user)
        _event(case, "evidence_added", f"Phone call logged with {evidence.phone_who}.", user)
        audit_record(action="evidence.phone_call", obj=evidence, detail={"case": case.reference})
    return evidence


def _decrypt(evidence: Evidence) -> bytes:
    key = EvidenceKey.objects.filter(evidence=evidence).first()
    if key is None:
        raise EvidenceUnavailable(
            "This item was destroyed under the indecent-image protocol (SLT-5): only its hash and description remain"
        )
    try:
        content = vault.decrypt(
            storage_name=evidence.storage_name,
            nonce=bytes(evidence.nonce),
            wrapped_key=key.wrapped_key,
            wrap_nonce=key.wrap_nonce,
        )
    except FileNotFoundError as exc:
        raise EvidenceIntegrityError("The encrypted file is missing from the vault") from exc
    except Exception as exc:  # InvalidTag: the ciphertext or key was altered
        raise EvidenceIntegrityError("The encrypted file fails its integrity check") from exc
    if vault.sha256_hex(content) != evidence.sha256:
        raise EvidenceIntegrityError("The file no longer matches the SHA-256 recorded at upload")
    return content


def evidence_read(*, evidence: Evidence, user, action: str = "downloaded") -> bytes:
    """Decrypt, re-verify the SHA-256, and record the read in the chain of custody and audit trail."""
    if not evidence.is_file:
        raise EvidenceUnavailable("This item has no file")
    try:
        content = _decrypt(evidence)
    except EvidenceIntegrityError as exc:
        with transaction.atomic():
            _custody(evidence, "integrity_failed", user, str(exc))
            audit_record(action="evidence.integrity_failed", obj=evidence)
        raise
    with transaction.atomic():
        _custody(evidence, action, user)
        audit_record(
            action=f"evidence.{action}", obj=evidence, detail={"case": evidence.case.reference}
        )
    return content


@enforces("SLT-5")
def evidence_flag_indecent(
    *, evidence: Evidence, user, physical_location: str, description: str = ""
) -> Evidence:
    """A stored item later flagged: crypto-shred it (destroy the data key, remove the ciphertext),
    keep only hash and metadata, restrict the case and raise the police action."""
    if not physical_location.strip():
        raise CaseworkError(
            "Say where the original is now, for example a locked cupboard, or that it is still on the device"
        )
    if not evidence.is_file or hasattr(evidence, "shred"):
        raise CaseworkError("This item holds no stored file")
    bag = Mailbag()
    with transaction.atomic():
        EvidenceKey.objects.filter(evidence=evidence).delete()
        EvidenceShred.objects.create(
            evidence=evidence,
            at=clock.now(),
            by=user,
            physical_location=physical_location[:300],
            reason=description.strip() or "Flagged as possibly an indecent image of a child",
        )
        _custody(evidence, "shredded", user, "Data key destroyed and ciphertext removed (SLT-5)")
        _slt5_record(
            evidence.case,
            user=user,
            description=description or f"Item formerly stored as {evidence.original_name}",
            physical_location=physical_location,
            held_by=_label(user),
            reason="indecent_flag",
            bag=bag,
        )
    vault.remove_file(evidence.storage_name)
    bag.send()
    return evidence


def evidence_verify_all() -> list[dict]:
    """Re-hash every stored item (the verify-evidence command)."""
    results = []
    for evidence in Evidence.objects.exclude(storage_name="").select_related("case").order_by("id"):
        row = {
            "evidence": str(evidence.reference),
            "case": evidence.case.reference,
            "sha256": evidence.sha256,
        }
        if EvidenceShred.objects.filter(evidence=evidence).exists():
            exists = (vault.evidence_dir() / evidence.storage_name).exists()
            row["status"] = "mismatch" if exists else "shredded"
            row["reason"] = "ciphertext still on disk after shredding" if exists else ""
        else:
            try:
                _decrypt(evidence)
                row["status"], row["reason"] = "ok", ""
            except CaseworkError as exc:
                row["status"], row["reason"] = "mismatch", str(exc)
        results.append(row)
    return results


ORPHAN_GRACE = timedelta(hours=1)


def vault_orphans_sweep(now: datetime) -> int:
    """Remove vault files no committed row needs: ciphertext whose transaction rolled back or whose
    process died before commit (no Evidence names it), and ciphertext left after an SLT-5 shred.
    Unreferenced files younger than ORPHAN_GRACE are left alone: their transaction may still be open."""
    directory = vault.evidence_dir()
    names = {
        p.name: p for p in directory.iterdir() if p.is_file() and vault.is_storage_name(p.name)
    }
    if not names:
        return 0
    referenced = dict(
        Evidence.objects.filter(storage_name__in=list(names)).values_list("storage_name", "id")
    )
    shredded = set(
        EvidenceShred.objects.filter(evidence_id__in=list(referenced.values())).values_list(
            "evidence_id", flat=True
        )
    )
    cutoff = now.timestamp()
    removed = 0
    for name, path in names.items():
        if name in referenced:
            if referenced[name] not in shredded:
                continue
        else:
            try:
                if cutoff - path.stat().st_mtime < ORPHAN_GRACE.total_seconds():
                    continue
            except FileNotFoundError:
                continue
        vault.remove_file(name)
        removed += 1
        logger.info(
            "Removed vault file %s (%s)",
            name,
            "shredded" if name in referenced else "never committed",
        )
    return removed


# ---------------------------------------------------------------- deadlines


def _escalate(case: Case, after_index: int, bag: Mailbag, what: str) -> int:
    """Tell the next role holder on the case's chain; returns the index used (or -1)."""
    recipients, last = [], -1
    chain = escalation_chain(case)
    excluded = _named_ids(case)
    for index in range(after_index + 1, len(chain)):
        people = holders(chain[index], excluded)
        if people:
            recipients, last = [(people[0], chain[index])], index
            break
    if recipients:
        _notify_recipients(case, recipients, "escalated", bag)
        _event(
            case,
            "escalated",
            f"{what} is overdue: escalated to the {get_pack().role_label(recipients[0][1])}.",
        )
    else:
        text = f"{what} is overdue and there is no one further to escalate to."
        if not case.events.filter(kind="escalated", text=text).exists():  # once, not every sweep
            _event(case, "escalated", text)
    return last


def _escalated_since(case: Case, what: str, moment: datetime) -> bool:
    return case.events.filter(kind="escalated", text__startswith=what, at__gt=moment).exists()


def _role_index(case: Case, role: str) -> int:
    chain = escalation_chain(case)
    return chain.index(role) if role in chain else -1


@enforces("PRIN-h", "SLT-2")
def deadlines_sweep(now: datetime) -> int:
    """Reminders before due, escalation to the next role holder when overdue. Returns notices sent."""
    reminder = _hours("reminder_before")
    bag = Mailbag()
    with transaction.atomic():
        for case in Case.objects.filter(state="new").select_for_update():
            if not case.triage_reminded and case.triage_due - reminder <= now < case.triage_due:
                named = _named_ids(case)
                for r in case.recipients.select_related("person").exclude(person_id__in=named):
                    _tell(
                        bag,
                        r.person,
                        case,
                        "Reminder: triage due",
                        f"Triage is due by {case.triage_due:%d %B %Y %H:%M}.",
                    )
                case.triage_reminded = True
                _event(case, "reminder", "Reminder sent: triage due soon.")
                case.save(update_fields=["triage_reminded"])
            elif now >= case.triage_due:
                used = _escalate(case, case.escalation_level, bag, "Triage")
                case.escalation_level = max(used, case.escalation_level)
                case.triage_due = now + _hours("triage")
                case.triage_reminded = False
                case.save(update_fields=["escalation_level", "triage_due", "triage_reminded"])
        # CB-11: actions paused by a police hold get no reminder and no escalation
        from . import actions

        live = actions.actions_live(CaseAction.objects.filter(status="open"))
        for action in live.select_related("case", "owner"):
            case = action.case
            if not action.reminded and action.due_at - reminder <= now < action.due_at:
                if action.owner_id in _named_ids(case):  # PRIN-a: a named owner is never told
                    _reassign_named_owner(case, action.owner, bag)
                    action.refresh_from_db()
                actions.tell_owner(
                    bag,
                    action,
                    "Reminder: action due",
                    f"“{action.title}” is due by {action.due_at:%d %B %Y %H:%M}.",
                )
                action.reminded = True
                action.save(update_fields=["reminded"])
                _event(case, "reminder", f"Reminder sent: “{action.title}” due soon.")
            period = _hours("action")
            what = f"Action “{action.title}”"
            # After downtime many steps are due at once: take one step a day, not one a sweep.
            if now >= action.due_at + action.escalation_level * period and not _escalated_since(
                case, what, now - max(period, timedelta(days=1))
            ):
                owner_role = next(
                    (
                        r
                        for r in escalation_chain(case)
                        if action.owner and r in action.owner.role_ids
                    ),
                    "",
                )
                start = _role_index(case, owner_role) if owner_role else -1
                _escalate(case, start + action.escalation_level, bag, what)
                action.escalation_level += 1
                action.save(update_fields=["escalation_level"])
        for case in Case.objects.exclude(state="closed"):
            if not case.case_reminded and case.due_at - reminder <= now < case.due_at:
                lead = case.lead_handler if case.lead_handler_id not in _named_ids(case) else None
                _tell(
                    bag,
                    lead,
                    case,
                    "Reminder: case due",
                    f"The case is due to be finished by {case.due_at:%d %B %Y}.",
                )
                case.case_reminded = True
                case.save(update_fields=["case_reminded"])
            elif now >= case.due_at and not case.case_escalated:
                _escalate(case, case.escalation_level, bag, "The case")
                case.case_escalated = True
                case.save(update_fields=["case_escalated"])
        from . import urgency  # urgency builds on this module

        urgency.urgent_sweep(now, bag)
    return bag.send(digest=True)  # one email per person, however many notices a late sweep owes


@enforces("PRIN-a")
def person_named_in_case(person: Person | None, case: Case) -> bool:
    """For other apps: is this person named in the case (linked, or a possible match not ruled
    out)? Anything shown about the case (a warrant, a flag's concern) is kept from them."""
    return person is not None and person.pk in _named_ids(case)
