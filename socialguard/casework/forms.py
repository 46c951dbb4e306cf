import re

from django import forms
from django.core import signing
from django.urls import reverse, reverse_lazy

from socialguard.people.matching import possible_people
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from .models import Case, CaseParty
from .packdata import casework_config
from .services import person_label, size_limit_text

YES_NO = [("no", "No"), ("yes", "Yes")]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
PERSON_REF = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9._-]{0,63})\)\s*$")
INVOLVED_ROWS = 3
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


class ReportForm(forms.Form):
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
        label="If it could: where is it now?",
        required=False,
        max_length=300,
        help_text="For example: locked cupboard in the DSL’s office, or still on my school laptop.",
    )
    item_description = forms.CharField(
        label="If it could: describe it in words only",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label="Screenshot or file (optional)",
        required=False,
        help_text="Screenshots, PDFs, saved web pages or emails saved as .eml.",
    )
    captured_at = _datetime_field(
        "When was the screenshot or file captured?",
        help_text="Needed with a file, with the web address or sender above.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        for i in range(1, INVOLVED_ROWS + 1):
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
                label="If not in the directory: who are they?",
                required=False,
                choices=CaseParty.KINDS,
            )

    def involved_rows(self):
        return [
            {
                "name": self[f"involved_{i}_name"],
                "pick": self[f"involved_{i}_pick"],
                "part": self[f"involved_{i}_part"],
                "kind": self[f"involved_{i}_kind"],
                "linked": linked_label(self, f"involved_{i}_name", f"involved_{i}_pick"),
            }
            for i in range(1, INVOLVED_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        parties = []
        for i in range(1, INVOLVED_ROWS + 1):
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
        upload = cleaned.get("file")
        if upload is not None and getattr(upload, "sg_too_large", False):
            self.add_error(
                "file", f"The file is too large: upload a file smaller than {size_limit_text()}"
            )
        indecent = cleaned.get("indecent_image") == "yes"
        if indecent and not (cleaned.get("physical_location") or "").strip():
            self.add_error(
                "physical_location", "Say where the item is now, for example a locked cupboard"
            )
        if upload is not None and not indecent:
            if cleaned.get("captured_at") is None and "captured_at" not in self.errors:
                self.add_error(
                    "captured_at", "Enter the date and time the screenshot or file was captured"
                )
            if not (cleaned.get("url_or_sender") or "").strip():
                self.add_error(
                    "url_or_sender", "Enter the web address of the site, or the sender of the email"
                )
        return cleaned


class PublicReportForm(forms.Form):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()


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
    staff_concern_level = forms.ChoiceField(
        label="If the concern is about a member of staff",
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
    police_confirmation = forms.CharField(
        label="Confirmation that this does not interfere with the police enquiry",
        required=False,
        max_length=2000,
        help_text="Needed while a police enquiry is active (CB-11).",
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
