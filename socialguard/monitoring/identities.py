"""Who is who: log usernames, emails, devices and IPs (with DHCP time ranges) to people."""

import csv
import io
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from socialguard.audit.services import audit_record

from .models import Identity

COLUMNS = ("external_id", "username", "email", "device", "ip", "valid_from", "valid_to")
KINDS = ("username", "email", "device", "ip")


class IdentityError(ValueError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def person_model():
    return Identity._meta.get_field("person").related_model


class Resolver:
    """Resolves within one ingest, caching lookups (constant memory: bounded cache)."""

    def __init__(self, limit: int = 50_000):
        self.cache: dict = {}
        self.limit = limit
        self.unresolved: set = set()

    def _rows(self, kind: str, value: str):
        key = (kind, value)
        if key not in self.cache:
            if len(self.cache) > self.limit:
                self.cache.clear()
            rows = list(Identity.objects.filter(kind=kind, value=value, person__isnull=False)
                        .select_related("person"))  # fmt: skip
            if not rows:
                rows = self._directory(kind, value)
            self.cache[key] = rows
        return self.cache[key]

    def _directory(self, kind: str, value: str) -> list:
        Person = person_model()
        person = None
        if kind == "email":
            person = Person.objects.filter(email__iexact=value, is_active=True).first()
        elif kind == "username":
            user = get_user_model().objects.filter(username__iexact=value).first()
            person = Person.objects.filter(user=user).first() if user else None
        return [Identity(kind=kind, value=value, person=person)] if person else []

    def resolve(self, pairs, at: datetime):
        for kind, value in pairs:
            for row in self._rows(kind, value):
                if (row.valid_from is None or row.valid_from <= at) and (
                    row.valid_to is None or at < row.valid_to
                ):
                    return row.person, value
        for kind, value in pairs:
            if kind != "ip":
                self.unresolved.add((kind, value))
        return None, pairs[0][1] if pairs else ""

    def save_unresolved(self) -> None:
        for kind, value in self.unresolved:
            row = Identity.objects.filter(kind=kind, value=value, person__isnull=True).first()
            if row:
                Identity.objects.filter(pk=row.pk).update(seen=row.seen + 1)
            else:
                Identity.objects.create(kind=kind, value=value[:255], seen=1)
        self.unresolved.clear()


def unresolved() -> list[Identity]:
    mapped = Identity.objects.filter(person__isnull=False).values_list("kind", "value")
    known = set(mapped)
    rows = Identity.objects.filter(person__isnull=True).order_by("-seen", "value")
    return [r for r in rows if (r.kind, r.value) not in known]


def _when(value: str, field: str, line: int):
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise IdentityError(f"line {line}: {field} is not a date or date-time", field) from None
    return moment if moment.tzinfo else timezone.make_aware(moment)


def import_identities(text: str, actor=None) -> dict:
    """Import `external_id,username,email,device,ip,valid_from,valid_to`; all or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise IdentityError(f"missing column(s): {', '.join(missing)}", missing[0])
    Person = person_model()
    created = 0
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            person = Person.objects.filter(external_id=(row["external_id"] or "").strip()).first()
            if person is None:
                raise IdentityError(f"line {line}: external_id {row['external_id']!r} is not in "
                                    "the people directory", "external_id")  # fmt: skip
            start = _when(row["valid_from"] or "", "valid_from", line)
            end = _when(row["valid_to"] or "", "valid_to", line)
            if start and end and end <= start:
                raise IdentityError(f"line {line}: valid_to is not after valid_from", "valid_to")
            values = [(k, (row[k] or "").strip().lower()) for k in KINDS if (row[k] or "").strip()]
            if not values:
                raise IdentityError(f"line {line}: give a username, email, device or ip", "username")
            for kind, value in values:
                Identity.objects.create(kind=kind, value=value, person=person,
                                        valid_from=start, valid_to=end)  # fmt: skip
                created += 1
        audit_record(action="monitoring.identities_imported", object_type="monitoring.identity",
                     detail={"identities": created}, actor=actor)  # fmt: skip
    return {"identities": created}
