"""The case report (PDF) and the case bundle (zip) for the police or the LADO, and a redacted
version for parents: third parties' names replaced by "Pupil A", "Adult B" consistently."""

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.template.loader import render_to_string

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.matching import name_keys
from socialguard.policy.pack import get_pack

from . import services
from .models import Case, CaseParty, PossibleMatch

SCHOOL_CONTACT_KEYS = ("name", "address", "phone")


class ExportError(Exception):
    """An export that cannot be made; the message names the problem."""


def school_contact(pack=None) -> dict:
    """The school's and the DSL's contact details from the pack; a missing key is named."""
    pack = pack or get_pack()
    missing = [
        f"school.{k}" for k in SCHOOL_CONTACT_KEYS if not str(pack.school.get(k, "")).strip()
    ]
    holders = pack.holders_of("dsl")
    if not holders:
        missing.append("role_holders: no holder of the role dsl")
    if missing:
        raise ExportError(f"policy pack: missing {', '.join(missing)} (needed for the case report)")
    dsl = holders[0]
    return {
        "name": pack.school["name"],
        "address": pack.school["address"],
        "phone": pack.school["phone"],
        "dsl_role": pack.role_label("dsl"),
        "dsl_name": f"{dsl.title} {dsl.given_name} {dsl.family_name}".strip(),
        "dsl_email": dsl.email,
    }


def _person_role(person) -> str:
    pack = get_pack()
    role = next((r for r in pack.roles if r in set(person.role_ids)), None)
    return pack.role_label(role) if role else ""


def _user_label(user, fallback: str) -> str:
    """A person's name and role for an account ("Helen Carter, Designated Safeguarding Lead")."""
    person = getattr(user, "person", None) if user is not None else None
    if person is None:
        return fallback or "SocialGuard (automatic)"
    role = _person_role(person)
    return f"{person.full_name}, {role}" if role else person.full_name


# ---------------------------------------------------------------- redaction


@dataclass
class Redactor:
    """Replaces every party's name except the subject's by a stable pseudonym."""

    names: dict = field(default_factory=dict)  # folded name -> pseudonym
    pseudonyms: dict = field(default_factory=dict)  # party id -> pseudonym
    pattern: re.Pattern | None = None

    def __call__(self, text: str) -> str:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.names[m.group(0).casefold()], text)


def _party_names(party: CaseParty) -> set[str]:
    person = party.person
    full = [party.name] if party.name else []
    if person is not None:
        full += [person.full_name, f"{person.given_name} {person.family_name}"]
        full += [person.given_name, person.family_name, person.preferred_name]
    words = set()
    for name in filter(None, full):
        words.add(name.strip())
        # the parts a name is found by (matching.name_keys): "Mbah-Okafor" → Mbah, Okafor
        keys = name_keys(name)
        words |= {w for w in re.split(r"[\s]+", name) if w.casefold().replace("-", "") in keys}
    return {w for w in words if len(w) >= 2}


def make_redactor(case: Case, subject: CaseParty | None) -> Redactor:
    redactor = Redactor()
    counters = {"Pupil": 0, "Adult": 0}
    kept = subject.person_id if subject is not None else None

    def pseudonym_for(is_pupil: bool) -> str:
        kind = "Pupil" if is_pupil else "Adult"
        counters[kind] += 1
        return f"{kind} {chr(ord('A') + (counters[kind] - 1) % 26)}"

    for party in case.parties.select_related("person").order_by("id"):
        if subject is not None and party.pk == subject.pk:
            continue
        pseudonym = pseudonym_for(party.kind == "pupil")
        redactor.pseudonyms[party.pk] = pseudonym
        for name in _party_names(party):
            redactor.names.setdefault(name.casefold(), pseudonym)
    # Possible matches of typed names and the reporter are third parties too (PRIN-a).
    others = [
        m.person
        for m in case.possible_matches.filter(state__in=PossibleMatch.NAMING_STATES)
        .select_related("person")
        .order_by("id")
    ]
    if case.reporter is not None:
        others.append(case.reporter)
    for person in others:
        if person.pk == kept:
            continue
        names = _party_names(CaseParty(person=person, name=""))
        if any(name.casefold() in redactor.names for name in names if " " in name):
            continue  # already a party under a pseudonym
        pseudonym = pseudonym_for(person.roles.filter(role="pupil").exists())
        for name in names:
            redactor.names.setdefault(name.casefold(), pseudonym)
    if redactor.names:
        alternatives = sorted(redactor.names, key=len, reverse=True)
        # A name is a whole word, also inside a file name ("Tobias_Wrenfield_post.png").
        redactor.pattern = re.compile(
            r"(?<![^\W_])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![^\W_])",
            re.IGNORECASE,
        )
    return redactor


# ---------------------------------------------------------------- the report


def report_context(case: Case, user, *, redacted: bool = False, subject=None) -> dict:
    now = clock.now()
    redact = make_redactor(case, subject) if redacted else Redactor()
    people = []
    for party in case.parties.select_related("person").order_by("id"):
        if party.pk in redact.pseudonyms:
            name, role = redact.pseudonyms[party.pk], ""
        else:
            name = party.label or "Not named"
            role = _person_role(party.person) if party.person else ""
        people.append({
            "name": name, "role": role or party.get_kind_display(), "part": party.get_part_display(),
        })  # fmt: skip
    if case.reporter is not None:
        reporter = _user_label(case.reporter.user, case.reporter.full_name)
    else:
        reporter = case.public_reporter_name or "Someone outside the school (no name given)"
        if case.public_reporter_contact:
            reporter += f" ({case.public_reporter_contact})"
    events = [
        {"at": e.at, "who": redact(_user_label(e.actor, e.actor_label)), "text": redact(e.text)}
        for e in case.events.select_related("actor__person").prefetch_related(
            "actor__person__roles"
        )
    ]
    evidence = []
    for item in case.evidence.select_related("shred").prefetch_related("custody__actor__person"):
        evidence.append({
            "item": item,
            "shredded": hasattr(item, "shred"),
            "source": redact(item.site_address or item.phone_who),
            "name": redact(item.original_name),
            "description": redact(item.description),
            "custody": [
                {"at": c.at, "action": c.action.replace("_", " "), "detail": redact(c.detail),
                 "who": redact(_user_label(c.actor, c.actor_label))}
                for c in item.custody.all()
            ],
        })  # fmt: skip
    actions = [
        {"title": redact(a.title), "clause": a.clause, "due_at": a.due_at, "done_at": a.done_at,
         "status": a.get_status_display(),
         "owner": redact(_user_label(a.owner.user, a.owner.full_name)) if a.owner else a.owner_role}
        for a in case.actions.select_related("owner__user")
    ]  # fmt: skip
    pack = get_pack()
    return {
        "case": case,
        "school": school_contact(pack),
        "category": pack.categories.get(case.category),
        "what_happened": redact(case.what_happened),
        "reporter": "Withheld (redacted copy)" if redacted else reporter,
        "people": people,
        "events": events,
        "evidence": evidence,
        "actions": actions,
        "generated_at": now,
        "generated_by": _user_label(user, getattr(user, "username", "")),
        "redacted": redacted,
    }


def render_pdf(context: dict) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=render_to_string("casework/export.html", context)).write_pdf()


def case_pdf(case: Case, user, *, redacted: bool = False, subject=None) -> bytes:
    """The case report as PDF, audited and written into the chronology."""
    pdf = render_pdf(report_context(case, user, redacted=redacted, subject=subject))
    kind = "redacted PDF" if redacted else "PDF"
    with transaction.atomic():
        audit_record(
            action="case.exported", obj=case, detail={"format": "pdf", "redacted": redacted}
        )
        services._event(case, "exported", f"Case report exported as {kind}.", user)
    return pdf


# ---------------------------------------------------------------- the bundle


def _write_atomically(target: Path, write) -> str:
    """Write to a temporary file beside `target`, then rename; return the file's SHA-256."""
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".sg-export-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        digest = hashlib.sha256(Path(temp).read_bytes()).hexdigest()
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return digest


def _safe_name(item) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", item.original_name).strip("._") or "evidence"
    return f"evidence/{str(item.reference)[:8]}-{base}"


def _manifest_entry(row: dict, redacted: bool) -> dict:
    item = row["item"]
    return {
        "reference": str(item.reference),
        "kind": item.get_kind_display(),
        "name": row["name"],
        "sha256": item.sha256,
        "size": item.size,
        "captured_at": item.captured_at.isoformat() if item.captured_at else None,
        "url_or_sender": row["source"],
        "destroyed_under_slt5": row["shredded"],
        "file_in_bundle": None
        if redacted or row["shredded"] or not item.is_file
        else _safe_name(item),
        "custody": [
            {
                "at": c["at"].isoformat(),
                "action": c["action"],
                "by": c["who"],
                "detail": c["detail"],
            }
            for c in row["custody"]
        ],
    }


def _manifest_text(case, manifest: dict) -> str:
    lines = [f"Case bundle {case.reference} — {manifest['school']}", manifest["note"], ""]
    for entry in manifest["evidence"]:
        lines.append(f"{entry['kind']} {entry['name']} ({entry['reference']})")
        lines.append(f"  SHA-256: {entry['sha256'] or '—'}")
        lines.append(
            f"  Captured: {entry['captured_at'] or '—'}  URL or sender: {entry['url_or_sender'] or '—'}"
        )
        lines.append(f"  File in bundle: {entry['file_in_bundle'] or 'not included'}")
        for c in entry["custody"]:
            lines.append(f"  {c['at']}  {c['action']}  by {c['by']}  {c['detail']}")
        lines.append("")
    return "\n".join(lines)


def _manifest_csv(manifest: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "kind", "name", "sha256", "captured_at", "url_or_sender",
                     "destroyed_under_slt5", "file_in_bundle", "custody_events"])  # fmt: skip
    for e in manifest["evidence"]:
        writer.writerow([e["reference"], e["kind"], e["name"], e["sha256"], e["captured_at"] or "",
                         e["url_or_sender"], "yes" if e["destroyed_under_slt5"] else "no",
                         e["file_in_bundle"] or "", len(e["custody"])])  # fmt: skip
    return out.getvalue()


def case_bundle(case: Case, user, target: Path, *, redacted: bool = False, subject=None) -> str:
    """Write the bundle zip to `target` (write-then-rename); return its SHA-256, audited.

    The full bundle holds the decrypted evidence files (each read recorded in custody as
    "exported"); a shredded item (SLT-5) is listed by hash and metadata only, never content. The
    redacted bundle holds no evidence files at all."""
    target = Path(target)
    if target.exists():
        raise ExportError(f"{target}: a file already exists there")
    if not target.parent.is_dir():
        raise ExportError(f"{target.parent}: no such folder")
    files = []
    if not redacted:
        for item in case.evidence.select_related("shred"):
            if item.is_file and not hasattr(item, "shred"):
                files.append(
                    (
                        _safe_name(item),
                        services.evidence_read(evidence=item, user=user, action="exported"),
                    )
                )
    context = report_context(case, user, redacted=redacted, subject=subject)
    pdf = render_pdf(context)
    note = (
        "Redacted copy for sharing with parents: the names of other people are replaced and no "
        "evidence files are included."
        if redacted
        else "Evidence files are decrypted; each file's SHA-256 below matches the file in the bundle."
    )
    manifest = {
        "case": case.reference, "school": context["school"]["name"], "redacted": redacted,
        "generated_at": context["generated_at"].isoformat(), "generated_by": context["generated_by"],
        "note": note, "evidence": [_manifest_entry(row, redacted) for row in context["evidence"]],
    }  # fmt: skip

    def write(out):
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"{case.reference}{'-redacted' if redacted else ''}.pdf", pdf)
            bundle.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            bundle.writestr("manifest.txt", _manifest_text(case, manifest))
            bundle.writestr("manifest.csv", _manifest_csv(manifest))
            for name, content in files:
                bundle.writestr(name, content)

    digest = _write_atomically(target, write)
    with transaction.atomic():
        audit_record(
            action="case.bundle_exported",
            obj=case,
            detail={"sha256": digest, "redacted": redacted, "files": len(files)},
        )
        kind = "Redacted case bundle" if redacted else "Case bundle"
        services._event(case, "exported", f"{kind} exported, SHA-256 {digest}.", user)
    return digest


def write_file(target: Path, content: bytes) -> str:
    """Write bytes to a new file (write-then-rename); return its SHA-256."""
    if target.exists():
        raise ExportError(f"{target}: a file already exists there")
    return _write_atomically(target, lambda out: out.write(content))
