"""People: the directory, CSV import, accounts and API tokens."""

import re
import secrets
from collections.abc import Callable
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from stdnum.gb import upn as upn_validator

from socialguard.audit.services import audit_record
from socialguard.policy.pack import ROLE_IDS, get_pack
from socialguard.policy.trace import enforces

from .csvimport import CsvImportError, RowError, read_csv
from .models import ApiToken, ImportJob, ParentOf, Person, PersonRole

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


@enforces("COV-3")
def people_import(
    *, content: bytes | str, actor=None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Import people from a CSV (DESIGN.md columns). Idempotent by external id; all or nothing.

    Raises CsvImportError listing every bad row; on success returns counts.
    """
    rows = read_csv(content, PEOPLE_COLUMNS)
    total = len(rows)
    if total == 0:
        raise CsvImportError([RowError(2, "", "the file has a header but no rows")])
    clean, errors = _validate_people_rows(
        rows, (lambda i: progress(i, total * 2)) if progress else None
    )
    if errors:
        raise CsvImportError(errors)
    held = {}
    for holder in get_pack().role_holders:
        held.setdefault(holder.external_id, set()).add(holder.role)
    created = updated = 0
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
            wanted = record["roles"] | held.get(person.external_id, set())
            PersonRole.objects.filter(person=person).exclude(role__in=wanted).delete()
            existing = set(person.roles.values_list("role", flat=True))
            PersonRole.objects.bulk_create(
                [PersonRole(person=person, role=r) for r in sorted(wanted - existing)]
            )
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
            detail={"rows": total, "created": created, "updated": updated},
        )
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


def person_roles_set(*, person: Person, roles: set[str]) -> None:
    existing = set(person.roles.values_list("role", flat=True))
    PersonRole.objects.filter(person=person, role__in=existing - roles).delete()
    PersonRole.objects.bulk_create(
        [PersonRole(person=person, role=r) for r in sorted(roles - existing)]
    )


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
        elif not user.has_usable_password():
            user.set_unusable_password()
        user.save()
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user"])
    return user


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the token a name, so you can recognise it later")
    raw = "sg_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[:10], token_hash=ApiToken.hash_token(raw)
    )
    audit_record(action="api_token.created", obj=token, actor=user)
    return token, raw


def api_token_revoke(*, token: ApiToken, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="api_token.revoked", obj=token, actor=actor)


def api_token_user(raw: str):
    if not raw or not raw.startswith("sg_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
