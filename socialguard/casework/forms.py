import re

from django import forms
from django.core import signing
from django.urls import reverse, reverse_lazy

from socialguard.people.matching import possible_people
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from . import services
from .models import Case, CaseParty
from .packdata import casework_config
from .reportform import category_groups
from .services import person_label, size_limit_text
from .vault import EvidenceRefused

YES_NO = [("no", "No"), ("yes", "Yes")]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
PERSON_REF = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9._-]{0,63})\)\s*$")
INVOLVED_ROWS = 3
MAX_INVOLVED_ROWS = 20  # rows added in the browser ("Add another person", a sibling ticked)
PICK_SALT = "socialguard.casework.people-pick"
PICK_MAX_AGE = 24 * 3600
NOT_LINKED = "Not linked to the directory: we will check this name against the directory."


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _datetime_field(
    label, required=False, help_text="", required_message="Enter the date and time"
):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
        error_messages={
            "invalid": "Enter a real date and time, like 14/03/2026 16:30",
            "required": required_message,
        },
    )


def category_choices():
    return [(c.id, c.label) for c in get_pack().categories.values()]


def plain_category_choices():
    """What the report forms offer: the same ids (so routing is unchanged), in plain words."""
    return [(c.id, c.plain_label) for c in get_pack().categories.values()]


def grouped_categories(field) -> list[dict]:
    """The category radios under their headings, each with its hint, for _category_radios.html.
    The first radio keeps Django's id (id_category_0) so the error summary links to it."""
    chosen = str(field.value() or "")
    groups, index = [], 0
    for group in category_groups():
        choices = []
        for cid, label, hint in group.choices:
            choices.append(
                {
                    "id": f"{field.auto_id}_{index}",
                    "value": cid,
                    "label": label,
                    "hint": hint,
                    "checked": cid == chosen,
                }
            )
            index += 1
        groups.append({"label": group.label, "choices": choices})
    return groups


def resolve_person(text: str) -> Person | None:
    """ "Ms Carter (STAFF-002)" from the typeahead → the directory person; free text → None."""
    match = PERSON_REF.search(text or "")
    if not match:
        return None
    return Person.objects.filter(external_id=match.group(1), is_active=True).first()


def pick_token(person: Person) -> str:
    """What the typeahead gives the form for a suggestion instead of an external id: a signed,
    short-lived reference that only this server can read back."""
    return signing.dumps(person.pk, salt=PICK_SALT)


def resolve_pick(token: str, text: str) -> Person | None:
    """The person picked from the suggestions, if the token is ours and the visible name still
    names them (a pick edited into another name is not a link: the typed name is checked)."""
    if not token or not (text or "").strip():
        return None
    try:
        pk = signing.loads(token, salt=PICK_SALT, max_age=PICK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or pk not in possible_people(text):
        return None
    return Person.objects.filter(pk=pk, is_active=True).first()


def link_person(text: str, token: str = "") -> Person | None:
    return resolve_pick(token, text) or resolve_person(text)


SIBLINGS_SALT = "socialguard.casework.siblings"


def siblings_token(person: Person, user) -> str:
    """Given with a pupil's suggestion: lets the one who picked them (and no one else) ask for
    that pupil's brothers and sisters."""
    return signing.dumps([person.pk, user.pk], salt=SIBLINGS_SALT)


def resolve_siblings_token(token: str, user) -> Person | None:
    try:
        pk, user_pk = signing.loads(token or "", salt=SIBLINGS_SALT, max_age=PICK_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if user_pk != user.pk or not isinstance(pk, int):
        return None
    return Person.objects.filter(pk=pk, is_active=True).first()


def _name_widget(name: str, pick: str, hx_url) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "list": "sg-people",
            "autocomplete": "off",
            "hx-get": hx_url,
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#sg-people",
            "hx-swap": "innerHTML",
            "name": name,
            "data-sg-pick": f"id_{pick}",
            "data-sg-pick-status": f"id_{name}-link",
        }
    )


def linked_label(form, name_field: str, pick_field: str) -> str:
    """The line under a name field: which directory entry, if any, the name is linked to."""
    if not form.is_bound:
        return ""
    text = (form.data.get(form.add_prefix(name_field)) or "").strip()
    if not text:
        return ""
    person = link_person(text, form.data.get(form.add_prefix(pick_field)) or "")
    return f"Linked to: {person_label(person)}" if person else NOT_LINKED


class EvidenceFieldsMixin:
    def clean_evidence_checks(self, cleaned, file_field="file"):
        upload = cleaned.get(file_field)
        if upload is not None and getattr(upload, "sg_too_large", False):
            self.add_error(
                file_field, f"The file is too large: upload a file smaller than {size_limit_text()}"
            )


NOT_KEPT = (
    "Your file was not kept: answer the question about an indecent image of a child, "
    "then choose the file again."
)
KEPT_GONE = "The file kept from before is no longer here: choose it again"


class KeptUploadMixin:
    """The screenshot across a form that failed validation (pending.py). The form carries a
    signed token in `pending_upload`; `pending` is the sender's own PendingUploads store."""

    def _init_kept(self, pending) -> None:
        self.pending = pending
        self.kept_token = self.kept_name = self.upload_note = ""
        if self.is_bound and pending is not None:
            token = self.data.get(self.add_prefix("pending_upload")) or ""
            name = pending.name(token)
            if name:
                self.kept_token, self.kept_name = token, name
            elif token:
                self.upload_note = KEPT_GONE + "."

    def _forget_kept(self) -> None:
        if self.kept_token:
            self.pending.discard(self.kept_token)
        self.kept_token = self.kept_name = ""

    def clean_kept(self, cleaned) -> bool:
        """SLT-5: a kept file is shredded once the answer is "Yes" (or it is removed, or another
        file replaces it). True when a file goes with the form."""
        if cleaned.get("indecent_image") == "yes" or cleaned.get("remove_pending"):
            self._forget_kept()
        elif cleaned.get("file") is not None:
            self._forget_kept()
        return cleaned.get("file") is not None or bool(self.kept_token)

    def upload(self, cleaned, captured="captured_at", site="url_or_sender"):
        """The services.Upload for the form's file or the file kept from before; None if none.
        EvidenceRefused (on the file field) when a kept file has gone (swept)."""
        upload = cleaned.get("file")
        if upload is not None:
            name, content = upload.name, upload.read()
        elif self.kept_token:
            kept = self.pending.take(self.kept_token)
            self.kept_token = self.kept_name = ""
            if kept is None:
                raise EvidenceRefused(KEPT_GONE, field="file")
            name, content = kept
        else:
            return None
        return services.Upload(
            content=content,
            name=name,
            captured_at=cleaned.get(captured),
            site_address=cleaned.get(site) or "",
        )

    def keep_upload(self, upload=None) -> None:
        """After a refusal: keep the file for the next try, if it may be kept. `upload` is the
        services.Upload already read from it, if any."""
        if self.pending is None or self.kept_token or "file" in self.errors:
            return
        sent = self.files.get(self.add_prefix("file")) if self.files else None
        if upload is None and (sent is None or getattr(sent, "sg_too_large", False)):
            return
        answer = self.data.get(self.add_prefix("indecent_image"))
        if answer != "no":
            if sent is not None:  # SLT-5: drop the bytes at once
                sent.file.seek(0)
                sent.file.truncate(0)
            if upload is not None:
                upload.content = None
            self.upload_note = "" if answer == "yes" else NOT_KEPT
            return
        if upload is not None and upload.content:
            content, name = upload.content, upload.name
        elif sent is None:
            return
        else:
            sent.file.seek(0)
            content, name = sent.file.read(), sent.name
        try:
            self.kept_token = self.pending.keep(content, name)
        except EvidenceRefused as exc:
            self.add_error("file", str(exc))
        else:
            self.kept_name = (name or "file")[:200]


def _pending_fields():
    return (
        forms.CharField(required=False, max_length=500, widget=forms.HiddenInput),
        forms.BooleanField(label="Remove this file", required=False),
    )


class ReportForm(KeptUploadMixin, forms.Form):
    category = forms.ChoiceField(
        label="What kind of concern is it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of concern it is"},
    )
    what_happened = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={"required": "Describe what happened"},
    )
    location_kind = forms.ChoiceField(
        label="Where did it happen?",
        choices=Case.LOCATIONS,
        widget=forms.RadioSelect,
        initial="social_media",
        error_messages={"required": "Choose where it happened"},
    )
    platform = forms.CharField(
        label="Platform or site (optional)",
        required=False,
        max_length=120,
        help_text="Any platform, listed or not, is covered by the policy.",
        widget=forms.TextInput(attrs={"list": "sg-platforms", "autocomplete": "off"}),
    )
    url_or_sender = forms.CharField(
        label="Web address, or the sender of the email (optional)", required=False, max_length=500
    )
    happened_at = _datetime_field("When did it happen? (optional)")
    victim_aware = forms.ChoiceField(
        label="Does the person affected know about it?",
        choices=Case.AWARE,
        widget=forms.RadioSelect,
        initial="unknown",
        help_text="Someone who does not know about it is still a victim.",
    )
    reporter_is_victim = forms.BooleanField(label="I am the person affected", required=False)
    illegal_or_threats = forms.ChoiceField(
        label="Does it involve illegal content, or threats of a physical or sexual nature?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer the question about illegal content or threats"},
    )
    indecent_image = forms.ChoiceField(
        label="Could it include an indecent image of a child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="If yes, do not upload, save, send or show it. It will not be stored; say where it is kept instead.",
        error_messages={"required": "Answer the question about an indecent image of a child"},
    )
    physical_location = forms.CharField(
        label="Only if it could be an indecent image: where is it now?",
        required=False,
        max_length=300,
        help_text="For example: locked cupboard in the DSL’s office, or still on my school laptop.",
    )
    item_description = forms.CharField(
        label="Only if it could be an indecent image: describe it in words only",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label="Screenshot or file (optional; not if it could be an indecent image)",
        required=False,
        help_text="Screenshots, PDFs, saved web pages or emails saved as .eml.",
    )
    captured_at = _datetime_field(
        "Only if you add a file: when was it captured?",
        help_text="Needed with a file, with the web address or sender above.",
    )
    pending_upload, remove_pending = _pending_fields()
    max_involved_rows = MAX_INVOLVED_ROWS

    def __init__(self, *args, pending=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(pending)
        self.fields["category"].choices = plain_category_choices()
        self.involved_count = self._involved_count()
        for i in range(1, self.involved_count + 1):
            self.fields[f"involved_{i}_name"] = forms.CharField(
                label=f"Person involved {i} (optional)",
                required=False,
                max_length=200,
                help_text="Start typing a name from the directory, or write a name or description.",
                widget=_name_widget(
                    f"involved_{i}_name", f"involved_{i}_pick", reverse("casework:people_search")
                ),
            )
            self.fields[f"involved_{i}_pick"] = forms.CharField(
                required=False, max_length=500, widget=forms.HiddenInput
            )
            self.fields[f"involved_{i}_part"] = forms.ChoiceField(
                label="Their part",
                required=False,
                choices=[("", "Choose")] + CaseParty.PARTS[:3] + CaseParty.PARTS[4:],
            )
            self.fields[f"involved_{i}_kind"] = forms.ChoiceField(
                label="Only if not in the directory: who are they?",
                required=False,
                choices=CaseParty.KINDS,
            )

    def _involved_count(self) -> int:
        """Three rows, or as many as were sent (rows added in the browser), at most 20."""
        count = INVOLVED_ROWS
        if self.is_bound:
            for key in self.data:
                found = re.fullmatch(r"involved_(\d{1,2})_name", key)
                if found and (self.data.get(key) or "").strip():
                    count = max(count, int(found.group(1)))
        return min(count, MAX_INVOLVED_ROWS)

    def category_groups(self):
        return grouped_categories(self["category"])

    def involved_rows(self):
        return [
            {
                "name": self[f"involved_{i}_name"],
                "pick": self[f"involved_{i}_pick"],
                "part": self[f"involved_{i}_part"],
                "kind": self[f"involved_{i}_kind"],
                "linked": linked_label(self, f"involved_{i}_name", f"involved_{i}_pick"),
            }
            for i in range(1, self.involved_count + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        parties = []
        for i in range(1, self.involved_count + 1):
            name = (cleaned.get(f"involved_{i}_name") or "").strip()
            if not name:
                continue
            part = cleaned.get(f"involved_{i}_part")
            if not part:
                self.add_error(f"involved_{i}_part", f"Choose the part of person involved {i}")
                continue
            person = link_person(name, cleaned.get(f"involved_{i}_pick") or "")
            parties.append(
                {
                    "person": person,
                    "name": "" if person else name,
                    "part": part,
                    "kind": cleaned.get(f"involved_{i}_kind") or "unknown",
                }
            )
        cleaned["parties"] = parties
        _clean_upload(self, cleaned)
        return cleaned


def _clean_upload(form, cleaned, *, ask_location=True) -> None:
    """The checks both report forms make on the file and the indecent-image answer."""
    upload = cleaned.get("file")
    if upload is not None and getattr(upload, "sg_too_large", False):
        form.add_error(
            "file", f"The file is too large: upload a file smaller than {size_limit_text()}"
        )
    has_file = form.clean_kept(cleaned)
    indecent = cleaned.get("indecent_image") == "yes"
    if ask_location and indecent and not (cleaned.get("physical_location") or "").strip():
        form.add_error(
            "physical_location", "Say where the item is now, for example a locked cupboard"
        )
    if has_file and not indecent:
        if cleaned.get("captured_at") is None and "captured_at" not in form.errors:
            form.add_error(
                "captured_at", "Enter the date and time the screenshot or file was captured"
            )
        if not (cleaned.get("url_or_sender") or "").strip():
            form.add_error(
                "url_or_sender", "Enter the web address of the site, or the sender of the email"
            )


class PublicReportForm(KeptUploadMixin, forms.Form):
    """MON-4: a report from outside the school, without an account."""

    what_happened = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Describe what happened"},
    )
    category = forms.ChoiceField(
        label="What kind of concern is it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of concern it is"},
    )
    platform = forms.CharField(label="Platform or site (optional)", required=False, max_length=120)
    url_or_sender = forms.CharField(
        label="Web address of the post (optional)", required=False, max_length=500
    )
    about = forms.CharField(label="Who is it about? (optional)", required=False, max_length=200)
    name = forms.CharField(label="Your name (optional)", required=False, max_length=200)
    contact = forms.CharField(
        label="Email or phone number, if you would like a reply (optional)",
        required=False,
        max_length=200,
    )
    illegal_or_threats = forms.ChoiceField(
        label="Does it involve illegal content, or threats of a physical or sexual nature?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer the question about illegal content or threats"},
    )
    indecent_image = forms.ChoiceField(
        label="Could it include an indecent image of a child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="If yes, do not send it to us. Contact the police; we will contact them too.",
        error_messages={"required": "Answer the question about an indecent image of a child"},
    )
    file = forms.FileField(
        label="A screenshot (optional; never if it could be an indecent image of a child)",
        required=False,
        help_text="A picture of the post or message: PNG, JPEG, GIF or WebP, or a PDF.",
    )
    captured_at = _datetime_field(
        "Only if you add a screenshot: when did you take it?",
        help_text="With a screenshot, give the web address of the post above too.",
    )
    pending_upload, remove_pending = _pending_fields()

    def __init__(self, *args, pending=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_kept(pending)
        self.fields["category"].choices = plain_category_choices()

    def category_groups(self):
        return grouped_categories(self["category"])

    def clean(self):
        cleaned = super().clean()
        _clean_upload(self, cleaned, ask_location=False)
        return cleaned


class TriageForm(forms.Form):
    pathway = forms.ChoiceField(
        label="Pathway",
        required=False,
        widget=forms.RadioSelect,
        help_text="Chosen from the alleged perpetrator’s role.",
    )
    legal_heads = forms.MultipleChoiceField(
        label="Legal heads (LEGAL-1)", required=False, widget=forms.CheckboxSelectMultiple
    )
    staff_pathway = "staff"  # the staff concern level is asked (in the browser) only on this one
    staff_concern_level = forms.ChoiceField(
        label="Only if the concern is about a member of staff: how serious is it?",
        required=False,
        choices=Case.STAFF_CONCERN_LEVELS,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Triage note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = casework_config()
        self.fields["pathway"].choices = [("", "No pathway yet")] + [
            (p.id, p.label) for p in config.pathways.values()
        ]
        self.fields["legal_heads"].choices = list(get_pack().legal_heads.items())


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", widget=forms.RadioSelect, error_messages={"required": "Choose an outcome"}
    )
    outcome_text = forms.CharField(
        label="What was decided and done", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Shown only while a police or urgent action is open (casework/actions.py).
    override_reason = forms.CharField(
        label="Why record the outcome while that action is still open",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        config = casework_config()
        ids = (
            config.pathways[case.pathway].outcomes
            if case is not None and case.pathway
            else tuple(config.outcomes)
        )
        if case is not None and case.staff_concern_level == "low_level":
            ids = (*ids, "low_level_recorded")
        self.fields["outcome"].choices = [(i, config.outcomes[i]) for i in ids]


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10000,
        error_messages={"required": "Write the note"},
    )


class PartyForm(forms.Form):
    name = forms.CharField(
        label="Person",
        max_length=200,
        help_text="From the directory, or a name or description.",
        widget=_name_widget("name", "pick", reverse_lazy("casework:people_search")),
        error_messages={"required": "Name the person"},
    )
    pick = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    part = forms.ChoiceField(label="Their part", choices=CaseParty.PARTS)
    kind = forms.ChoiceField(
        label="If not in the directory: who are they?", choices=CaseParty.KINDS, required=False
    )

    def linked(self) -> str:
        return linked_label(self, "name", "pick")

    def person(self) -> Person | None:
        return link_person(self.cleaned_data["name"], self.cleaned_data.get("pick") or "")


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Reference of the case to link",
        max_length=24,
        error_messages={"required": "Enter a case reference"},
    )


class PoliceHoldForm(forms.Form):
    active = forms.ChoiceField(
        label="Is a police enquiry active?", choices=YES_NO, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000)


class ActionCompleteForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is it?",
        widget=forms.RadioSelect,
        choices=[
            ("screenshot", "Screenshot"),
            ("web_page", "Saved web page"),
            ("email", "Email saved as .eml"),
            ("file", "Other file (PDF or text)"),
        ],
    )
    may_be_indecent = forms.ChoiceField(
        label="Could it include an indecent image of a child?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="If yes, the file is not stored: say where the item is kept instead.",
    )
    file = forms.FileField(label="File", required=False)
    captured_at = _datetime_field("When was it captured?")
    site_address = forms.CharField(
        label="Web address of the site, or the sender of the email", required=False, max_length=500
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    physical_location = forms.CharField(
        label="If it could: where is it now?", required=False, max_length=300
    )
    held_by = forms.CharField(label="If it could: who holds it?", required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if cleaned.get("may_be_indecent") == "yes":
            if not (cleaned.get("physical_location") or "").strip():
                self.add_error(
                    "physical_location", "Say where the item is now, for example a locked cupboard"
                )
            return cleaned
        if upload is None:
            self.add_error("file", "Choose a file to upload")
        elif getattr(upload, "sg_too_large", False):
            self.add_error(
                "file", f"The file is too large: upload a file smaller than {size_limit_text()}"
            )
        if cleaned.get("captured_at") is None and "captured_at" not in self.errors:
            self.add_error("captured_at", "Enter the date and time it was captured (CB-6)")
        if not (cleaned.get("site_address") or "").strip():
            self.add_error(
                "site_address",
                "Enter the web address of the site, or the sender of the email (CB-6)",
            )
        return cleaned


class PhoneCallForm(forms.Form):
    call_at = _datetime_field(
        "When was the call?", required=True, required_message="Enter the date and time of the call"
    )
    who = forms.CharField(
        label="Who was it with?",
        max_length=200,
        error_messages={"required": "Say who the call was with"},
    )
    summary = forms.CharField(
        label="Summary of the call",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Summarise the call"},
    )


class FlagForm(forms.Form):
    physical_location = forms.CharField(
        label="Where is the original now?",
        max_length=300,
        error_messages={"required": "Say where the original is now"},
    )
    description = forms.CharField(
        label="Describe it in words only (optional)", required=False, max_length=2000
    )
