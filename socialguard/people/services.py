"""People: the directory, CSV import, accounts and API tokens."""

import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from stdnum.gb import upn as upn_validator

from socialguard.audit.services import audit_record
from socialguard.policy.pack import ROLE_IDS, get_pack
from socialguard.policy.trace import enforces

from .csvimport import CsvImportError, CsvImportRefused, RowError, read_csv
from .models import ApiToken, ImportJob, ParentOf, Person, PersonRole
from .permissions import requires_two_factor, user_person, user_roles
from .rules import refused_role_changes, token_lifetime_days

PEOPLE_COLUMNS = (
    "external_id",
    "role",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "upn",
    "year_group",
    "email",
    "parent_of",
)
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CHILD_ROLES = {"pupil", "ex_pupil"}


def parse_date(value: str) -> date:
    """Dates as 2015-03-31 or 31/03/2015 (the two forms school systems export)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _validate_people_rows(rows, progress: Callable[[int], None] | None = None):
    """Check every row; return (clean rows, errors). Nothing is written here."""
    errors: list[RowError] = []
    clean = []
    seen: dict[str, int] = {}
    known_ids = set(Person.objects.values_list("external_id", flat=True))
    file_roles: dict[str, set[str]] = {}
    for index, (line, row) in enumerate(rows, start=1):
        row_errors = []
        external_id = row["external_id"]
        if not external_id:
            row_errors.append(RowError(line, "external_id", "missing"))
        elif not EXTERNAL_ID.match(external_id):
            row_errors.append(
                RowError(
                    line,
                    "external_id",
                    f"{external_id!r} may use only letters, digits, '.', '_' and '-'",
                )
            )
        elif external_id in seen:
            row_errors.append(
                RowError(
                    line,
                    "external_id",
                    f"duplicate id {external_id!r} (first on line {seen[external_id]})",
                )
            )
        else:
            seen[external_id] = line
        roles = {r.strip() for r in row["role"].split(";") if r.strip()}
        if not roles:
            row_errors.append(RowError(line, "role", "missing"))
        for role in sorted(roles - set(ROLE_IDS)):
            row_errors.append(
                RowError(line, "role", f"unknown role {role!r} (known: {', '.join(ROLE_IDS)})")
            )
        for name in ("given_name", "family_name"):
            if not row[name]:
                row_errors.append(RowError(line, name, "missing"))
            elif len(row[name]) > 100:
                row_errors.append(RowError(line, name, "longer than 100 characters"))
        dob = None
        if row["date_of_birth"]:
            try:
                dob = parse_date(row["date_of_birth"])
                if dob > timezone.localdate():
                    row_errors.append(
                        RowError(
                            line, "date_of_birth", f"{row['date_of_birth']!r} is in the future"
                        )
                    )
            except ValueError as exc:
                row_errors.append(RowError(line, "date_of_birth", str(exc)))
        upn = row["upn"].upper().replace(" ", "")
        if upn:
            try:
                upn = upn_validator.validate(upn)
            except Exception as exc:  # stdnum raises its own ValidationError subclasses
                row_errors.append(
                    RowError(line, "upn", f"{row['upn']!r} is not a valid UPN: {_upn_reason(exc)}")
                )
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                row_errors.append(
                    RowError(line, "email", f"{row['email']!r} is not an email address")
                )
        children = [c.strip() for c in row["parent_of"].split(";") if c.strip()]
        if external_id:
            file_roles[external_id] = roles
        errors.extend(row_errors)
        clean.append(
            {
                "line": line,
                "external_id": external_id,
                "roles": roles,
                "given_name": row["given_name"],
                "family_name": row["family_name"],
                "preferred_name": row["preferred_name"],
                "date_of_birth": dob,
                "upn": upn,
                "year_group": row["year_group"],
                "email": row["email"],
                "children": children,
            }
        )
        if progress:
            progress(index)
    stored_roles = _stored_roles({c for r in clean for c in r["children"]} - set(file_roles))
    for record in clean:
        for child in record["children"]:
            if child not in file_roles and child not in known_ids:
                errors.append(
                    RowError(
                        record["line"],
                        "parent_of",
                        f"{child!r} is not in this file or the directory",
                    )
                )
                continue
            child_roles = file_roles.get(child) or stored_roles.get(child, set())
            if not child_roles & CHILD_ROLES:
                errors.append(RowError(record["line"], "parent_of", f"{child!r} is not a pupil"))
            if child == record["external_id"]:
                errors.append(
                    RowError(record["line"], "parent_of", "a person cannot be their own parent")
                )
    errors.sort(key=lambda e: (e.line, e.column))
    return clean, errors


def _upn_reason(exc) -> str:
    text = str(exc) or type(exc).__name__
    return {"The number's checksum or check digit is invalid.": "the check letter is wrong"}.get(
        text, text.rstrip(".").lower()
    )


def _stored_roles(external_ids: set[str]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for ext, role in PersonRole.objects.filter(person__external_id__in=external_ids).values_list(
        "person__external_id", "role"
    ):
        result.setdefault(ext, set()).add(role)
    return result


def _role_authority(actor, system: str) -> set[str] | None:
    """The roles an actor changes roles with; None for a trusted system path (the demo loader)."""
    if system:
        return None
    return set(user_roles(actor)) if actor is not None else set()


def _actor_external_id(actor) -> str | None:
    person = user_person(actor) if actor is not None else None
    return person.external_id if person else None


def _role_refusal_errors(plan, *, actor, system: str, cli_hint: bool) -> list[RowError]:
    """One error per role a row would change that this actor may not change."""
    pack = get_pack()
    granted_by = pack.data["accounts"]["granted_by"]
    authority = _role_authority(actor, system)
    own_id = _actor_external_id(actor)
    errors = []
    for line, external_id, before, after in plan:
        for refusal in refused_role_changes(
            before=before,
            after=after,
            actor_roles=authority,
            is_self=own_id is not None and own_id == external_id,
            granted_by=granted_by,
            label=pack.role_label,
        ):
            verb = "give" if refusal.granted else "take away"
            hint = (
                " (on the command line, give --as USERNAME of someone who may)"
                if cli_hint and refusal.reason.startswith("only")
                else ""
            )
            errors.append(
                RowError(
                    line,
                    "role",
                    f"{external_id}: may not {verb} the role {refusal.role!r} "
                    f"({pack.role_label(refusal.role)}): {refusal.reason}{hint}",
                )
            )
    return errors


def _roles_changed(*, person: Person, before: set[str], after: set[str], actor, via: str) -> None:
    """Audit one person's role change (inside the caller's transaction)."""
    audit_record(
        action="people.roles_changed",
        obj=person,
        actor=actor,
        detail={"before": sorted(before), "after": sorted(after), "via": via},
    )


def _tell_about_roles(changes: list[tuple[Person, set[str], set[str]]]) -> None:
    """Each person whose roles changed is told, so a change they did not expect is noticed."""
    pack = get_pack()
    for person, before, after in changes:
        address = person.email or (person.user.email if person.user_id else "")
        if not address:
            continue
        labels = lambda roles: ", ".join(pack.role_label(r) for r in sorted(roles)) or "none"  # noqa: E731
        send_mail(
            subject=f"[SocialGuard] Your roles at {pack.school_name} have changed",
            message=(
                f"Dear {person.full_name},\n\nYour roles in SocialGuard have changed.\n"
                f"Before: {labels(before)}\nNow: {labels(after)}\n\n"
                "If you did not expect this, tell the Headteacher at once."
            ),
            from_email=None,
            recipient_list=[address],
            fail_silently=True,
        )


@enforces("COV-3")
def people_import(
    *,
    content: bytes | str,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
    via: str = "web import",
    system: str = "",
) -> dict:
    """Import people from a CSV (DESIGN.md columns). Idempotent by external id; all or nothing.

    Role changes are privileged: a row that would give or take away a role the actor may not
    change (the pack's `accounts.granted_by`, and never the actor's own roles) refuses the whole
    file. `actor` None is the command line without --as: it may change only roles the pack leaves
    open. `system` names a trusted path (the demo loader) that may change any role.

    Raises CsvImportError listing every bad row; on success returns counts.
    """
    via = system or via
    rows = read_csv(content, PEOPLE_COLUMNS)
    total = len(rows)
    if total == 0:
        raise CsvImportError([RowError(2, "", "the file has a header but no rows")])
    clean, errors = _validate_people_rows(
        rows, (lambda i: progress(i, total * 2)) if progress else None
    )
    held = {}
    for holder in get_pack().role_holders:
        held.setdefault(holder.external_id, set()).add(holder.role)
    stored = _stored_roles({r["external_id"] for r in clean})
    # The pack's role holders keep their roles whatever the file says: that merge is a change
    # like any other, so it is checked against the actor too.
    plan = [
        (
            r["line"],
            r["external_id"],
            stored.get(r["external_id"], set()),
            (r["roles"] & set(ROLE_IDS)) | held.get(r["external_id"], set()),
        )
        for r in clean
        if r["external_id"]
    ]
    refusals = _role_refusal_errors(
        plan, actor=actor, system=system, cli_hint=via == "command line"
    )
    if errors or refusals:
        # Bad rows are bad input; a clean file asking for a change the actor may not make is a refusal.
        kind = CsvImportError if errors else CsvImportRefused
        raise kind(sorted(errors + refusals, key=lambda e: (e.line, e.column)))
    created = updated = 0
    changes = []
    with transaction.atomic():
        people = {}
        for index, record in enumerate(clean, start=1):
            person, was_created = Person.objects.update_or_create(
                external_id=record["external_id"],
                defaults={
                    k: record[k]
                    for k in (
                        "given_name",
                        "family_name",
                        "preferred_name",
                        "date_of_birth",
                        "upn",
                        "year_group",
                        "email",
                    )
                },
            )
            created += was_created
            updated += not was_created
            before = stored.get(person.external_id, set())
            wanted = record["roles"] | held.get(person.external_id, set())
            PersonRole.objects.filter(person=person).exclude(role__in=wanted).delete()
            PersonRole.objects.bulk_create(
                [PersonRole(person=person, role=r) for r in sorted(wanted - before)]
            )
            if wanted != before:
                _roles_changed(person=person, before=before, after=wanted, actor=actor, via=via)
                changes.append((person, before, wanted))
            people[person.external_id] = person
            if progress:
                progress(total + index // 2, total * 2)
        lookup = {
            p.external_id: p
            for p in Person.objects.filter(
                external_id__in={c for r in clean for c in r["children"]}
            )
        }
        lookup.update(people)
        for index, record in enumerate(clean, start=1):
            parent = people[record["external_id"]]
            wanted_children = {lookup[c].pk for c in record["children"]}
            ParentOf.objects.filter(parent=parent).exclude(child_id__in=wanted_children).delete()
            existing = set(
                ParentOf.objects.filter(parent=parent).values_list("child_id", flat=True)
            )
            ParentOf.objects.bulk_create(
                [ParentOf(parent=parent, child_id=c) for c in sorted(wanted_children - existing)]
            )
            if progress:
                progress(total + (total + index) // 2, total * 2)
        audit_record(
            action="people.imported",
            actor=actor,
            detail={
                "rows": total,
                "created": created,
                "updated": updated,
                "roles_changed": len(changes),
                "via": via,
            },
        )
    _tell_about_roles(changes)
    return {"rows": total, "created": created, "updated": updated}


# Other apps add their CSV imports here (the consent app registers "consent").
IMPORT_RUNNERS: dict[str, Callable[..., dict]] = {}


def import_job_run(job: ImportJob) -> ImportJob:
    """Run a queued web import, keeping its progress visible to the page that polls it."""
    runner = IMPORT_RUNNERS.get(job.kind)
    job.state = "running"
    job.save(update_fields=["state"])

    def progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    try:
        if runner is None:
            raise CsvImportError([RowError(0, "", f"imports of {job.kind} are not available")])
        job.summary = runner(content=job.content, actor=job.started_by, progress=progress)
        job.state = "done"
        job.errors = []
    except CsvImportError as exc:
        job.state = "failed"
        job.errors = [e.as_dict() for e in exc.errors]
    job.refresh_from_db(fields=["processed_rows", "total_rows"])
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "summary", "finished_at"])
    return job


IMPORT_RUNNERS["people"] = people_import


def person_line_manager_set(*, person: Person, manager: Person | None, actor=None) -> Person:
    """Who supports this member of staff (victim support, parent-message escalation, declarations)."""
    staff_roles = get_pack().staff_roles()
    if manager is not None:
        if manager.pk == person.pk:
            raise ValueError("A person cannot be their own line manager")
        if not set(manager.role_ids) & staff_roles:
            raise ValueError(f"{manager.full_name} is not a member of staff")
        chain, step = set(), manager
        while step is not None and step.pk not in chain:
            if step.pk == person.pk:
                raise ValueError(
                    f"{manager.full_name} is managed by {person.full_name}: that would make a loop"
                )
            chain.add(step.pk)
            step = step.line_manager
    with transaction.atomic():
        person.line_manager = manager
        person.save(update_fields=["line_manager", "updated_at"])
        audit_record(
            action="people.line_manager_set",
            obj=person,
            actor=actor,
            detail={"manager": manager.external_id if manager else None},
        )
    return person


def person_roles_set(*, person: Person, roles: set[str], actor, via: str = "web") -> Person:
    """Give or take away roles of one person, under the same rule as the import."""
    unknown = sorted(set(roles) - set(ROLE_IDS))
    if unknown:
        raise ValueError(f"role: unknown role {unknown[0]!r}")
    before = set(person.roles.values_list("role", flat=True))
    errors = _role_refusal_errors(
        [(0, person.external_id, before, set(roles))], actor=actor, system="", cli_hint=False
    )
    if errors:
        raise ValueError(f"role: {errors[0].message}")
    if before == set(roles):
        return person
    with transaction.atomic():
        PersonRole.objects.filter(person=person, role__in=before - roles).delete()
        PersonRole.objects.bulk_create(
            [PersonRole(person=person, role=r) for r in sorted(roles - before)]
        )
        _roles_changed(person=person, before=before, after=set(roles), actor=actor, via=via)
    _tell_about_roles([(person, before, set(roles))])
    return person


def account_create(*, person: Person, username: str, password: str | None = None):
    """Give a person a sign-in. Pupils and parents never get one."""
    if person.roles.filter(
        role__in={"pupil", "parent", "ex_pupil", "other_school_pupil", "public"}
    ).exists() and not (set(person.role_ids) & get_pack().account_roles()):
        raise ValueError(
            "Pupils, parents and the public do not have accounts: they use single-purpose links"
        )
    User = get_user_model()
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = (
            person.given_name,
            person.family_name,
            person.email,
        )
        if password:
            user.set_password(password)
        elif not user.password or not user.has_usable_password():
            # a new user's empty password counts as "usable" to Django: mark it unusable
            user.set_unusable_password()
        user.save()
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user"])
    return user


def api_areas() -> list[str]:
    """The API's areas, one per path prefix mounted in socialguard/api.py (people, cases, …)."""
    from socialguard.api import ROUTERS  # the API imports this module

    return sorted({prefix.strip("/").split("/")[0] for prefix, _ in ROUTERS})


def api_token_max_days(user) -> int:
    """The pack's token lifetime: shorter for the roles that see safeguarding records."""
    pack = get_pack()
    return token_lifetime_days(
        accounts=pack.data["accounts"],
        user_roles=set(user_roles(user)),
        safeguarding=pack.safeguarding_roles(),
    )


def api_token_create(
    *,
    user,
    name: str,
    scope: dict[str, str] | None = None,
    days: int | None = None,
    two_factor_verified: bool,
) -> tuple[ApiToken, str]:
    """A new personal token. `scope` maps areas to "read" or "write"; `days` is at most the
    pack's lifetime for the user's roles (the default).

    Every caller says whether the person asking passed two-factor sign-in: the tokens page passes
    the session's state (refused when it did not and the role needs it); code on the server that
    makes a token with no session behind it (scripts, tests) must vouch for it with True. `scope`
    None is read and write on every area the user's role allows."""
    name = (name or "").strip()
    if not name:
        raise ValueError("name: give the token a name, so you can recognise it later")
    if two_factor_verified is not True and requires_two_factor(user):
        raise PermissionError(
            "Your role needs two-factor sign-in: enter a code from your authenticator app first"
        )
    areas = api_areas()
    scope = {area: ApiToken.WRITE for area in areas} if scope is None else dict(scope)
    for area, access in scope.items():
        if area not in areas:
            raise ValueError(f"scope: unknown area {area!r} (areas: {', '.join(areas)})")
        if access not in (ApiToken.READ, ApiToken.WRITE):
            raise ValueError(f"scope.{area}: must be 'read' or 'write' (got {access!r})")
    if not scope:
        raise ValueError("scope: choose at least one area the token may use")
    longest = api_token_max_days(user)
    days = longest if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise ValueError(f"days: a token for your role lasts from 1 to {longest} days")
    raw = "sg_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:10],
            token_hash=ApiToken.hash_token(raw),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            action="api_token.created",
            obj=token,
            actor=user,
            detail={"scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor, reason: str = "revoked by its owner") -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = reason[:100]
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(action="api_token.revoked", obj=token, actor=actor, detail={"reason": reason})


def api_tokens_revoke_all(*, user, reason: str) -> int:
    """Revoke every live token of an account (password or authenticator changed, switched off)."""
    live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in live:
        api_token_revoke(token=token, actor=None, reason=reason)
    return len(live)


_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _api_area(path: str) -> str:
    from django.urls import reverse

    root = reverse("api:api-root")
    rest = path[len(root) :] if path.startswith(root) else path.lstrip("/")
    return rest.strip("/").split("/")[0]


def _refuse(status: int, detail: str, token: ApiToken | None = None, reason: str = ""):
    from ninja.errors import HttpError

    audit_record(
        action="api_token.refused",
        obj=token,
        object_type="" if token else "people.apitoken",
        detail={"reason": reason or detail, **({"token": token.prefix} if token else {})},
        actor=token.user if token is not None else None,  # a known token: its owner is the actor
    )
    raise HttpError(status, detail)


def api_token_check(request, raw: str):
    """The user a bearer token stands for, or an HTTP error naming why it is refused: unknown,
    revoked, expired, account switched off (401), or outside its scope (403)."""
    if not raw or not raw.startswith("sg_"):
        return None
    token = (
        ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash_token(raw)).first()
    )
    if token is None:
        _refuse(401, "token: not known (check it was copied whole)", reason="unknown token")
    now = timezone.now()
    if token.revoked_at is not None:
        _refuse(
            401,
            f"token: revoked on {timezone.localtime(token.revoked_at):%d %b %Y} "
            f"({token.revoked_reason or 'revoked'}); create a new one on the API tokens page",
            token,
            "revoked",
        )
    if token.expires_at <= now:
        _refuse(
            401,
            f"token: expired on {timezone.localtime(token.expires_at):%d %b %Y}; "
            "create a new one on the API tokens page",
            token,
            "expired",
        )
    if not token.user.is_active:
        _refuse(401, "token: the account it belongs to is switched off", token, "inactive")
    area = _api_area(request.path)
    access = token.scope.get(area)
    if access is None:
        _refuse(403, f"token: its scope does not include the area {area!r}", token, "scope")
    if access != ApiToken.WRITE and request.method not in _SAFE_METHODS:
        _refuse(
            403,
            f"token: read-only for {area!r}, so it may not {request.method}",
            token,
            "read-only",
        )
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_user(raw: str):
    """The user of a live token, or None (for callers without a request)."""
    if not raw or not raw.startswith("sg_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            token_hash=ApiToken.hash_token(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


def _mask_address(address: str | None) -> str:
    """Enough of an address to tell "at school" from "somewhere else", not enough to trace."""
    if not address:
        return "unknown"
    if ":" in address:
        return ":".join(address.split(":")[:3]) + ":…"
    parts = address.split(".")
    return ".".join(parts[:2] + ["…"]) if len(parts) == 4 else "unknown"


def lockouts_current() -> list[dict]:
    """Usernames locked out now (django-axes, by username and address together)."""
    from axes.conf import settings as axes_settings
    from axes.models import AccessAttempt

    since = timezone.now() - axes_settings.AXES_COOLOFF_TIME
    locked: dict[str, dict] = {}
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=axes_settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    for attempt in attempts:
        entry = locked.setdefault(
            attempt.username or "",
            {"username": attempt.username or "", "last_attempt": attempt.attempt_time, "from": []},
        )
        masked = _mask_address(attempt.ip_address)
        if masked not in entry["from"]:
            entry["from"].append(masked)
    return sorted(locked.values(), key=lambda e: e["username"])


def lockout_unlock(*, username: str, actor=None, via: str = "web") -> int:
    """Clear every failed-sign-in record of a username (from any address); 0 if none."""
    from axes.utils import reset

    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ValueError("username: give the username to unlock (at most 150 characters)")
    with transaction.atomic():
        cleared = reset(username=username)
        if cleared:
            audit_record(
                action="auth.unlocked",
                object_type="auth.user",
                object_id=username,
                actor=actor,
                detail={"username": username, "records_cleared": cleared, "via": via},
            )
    return cleared
