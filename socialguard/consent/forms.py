from django import forms
from django.conf import settings

from socialguard.people.forms import CsvUploadForm

from .models import FaceReview
from .packdata import METHOD_LABELS, consent_settings

YES_NO = [("yes", "Yes"), ("no", "No")]
BIOMETRIC_CHOICES = [
    ("consent", "Yes, I give my written consent to face matching"),
    ("no", "No, I do not give consent"),
    ("object", "I object to face matching of my child"),
]
PHOTO_HELP = "A JPEG, PNG, WebP or HEIC photo"


def _radios(label, choices=YES_NO, help_text="", message="Select yes or no"):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": message},
    )


class PhotoField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", PHOTO_HELP)
        kwargs.setdefault(
            "error_messages", {"required": "Choose a photo", "empty": "The file is empty"}
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The photo is larger than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB; use a smaller one"
            )
        return upload


def purpose_fields(form, help_texts=True):
    for purpose in consent_settings().purposes:
        where = (
            "Online and public"
            if purpose.online
            else ("Public, not online" if purpose.public else "Not online, not public")
        )
        form.fields[purpose.id] = _radios(
            f"{purpose.label}: {where}",
            help_text=purpose.description if help_texts else "",
            message=f"Select yes or no for {purpose.label.lower()}",
        )


class RecordConsentForm(forms.Form):
    """Consent given on paper, by email, ... recorded by the office for a pupil."""

    given_by = forms.ChoiceField(
        label="Who gave the answer", error_messages={"required": "Select who gave the answer"}
    )
    method = forms.ChoiceField(
        label="How it was given", error_messages={"required": "Select how it was given"}
    )

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = [(p.external_id, p.full_name) for p in parents]
        self.fields["method"].choices = [
            (m, METHOD_LABELS[m])
            for m in consent_settings().methods
            if m not in ("import", "e_consent")
        ]
        purpose_fields(self, help_texts=False)


class OwnConsentForm(forms.Form):
    """IMG-2: a member of staff's consent to their own image in public materials."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        purpose_fields(self)
        self.fields["biometric"] = _radios(
            "May the school's photo check recognise your face automatically?",
            help_text="Only a set of numbers describing your face is kept, encrypted. "
            "It is used to check photos before they are published. You can withdraw at any time and they are deleted at once.",
        )


class BiometricForm(forms.Form):
    given_by = forms.ChoiceField(
        label="Parent or carer", error_messages={"required": "Select the parent or carer"}
    )
    answer = _radios("Their answer", BIOMETRIC_CHOICES, message="Select their answer")
    child_refuses = _radios(
        "Has the child said they do not want their face matched?",
        help_text="A child's refusal overrides any parent's consent.",
    )
    method = forms.ChoiceField(
        label="How it was given", error_messages={"required": "Select how it was given"}
    )

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = [(p.external_id, p.full_name) for p in parents]
        self.fields["method"].choices = [
            (m, METHOD_LABELS[m])
            for m in consent_settings().methods
            if m not in ("import", "e_consent")
        ]


class SendLinkForm(forms.Form):
    parent = forms.ChoiceField(
        label="Send the link to",
        widget=forms.RadioSelect,
        error_messages={"required": "Select a parent or carer"},
    )

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [
            (p.external_id, f"{p.full_name} ({p.email or 'no email address'})") for p in parents
        ]


class EnrolForm(forms.Form):
    photo = PhotoField(label="Photo of this person alone, facing the camera")


class ReferencePhotoForm(forms.Form):
    photo = PhotoField(label="Reference photo")


class RestrictedAddForm(forms.Form):
    pupil = forms.ChoiceField(label="Pupil", error_messages={"required": "Select the pupil"})
    reason = forms.CharField(
        label="Why the child is on the restricted list",
        help_text="For example: looked-after child, court order. Only the DSL and the Headteacher see this.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Enter why the child is on the restricted list"},
    )

    def __init__(self, *args, pupils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].choices = [("", "Choose a pupil")] + [
            (p.external_id, f"{p.full_name} ({p.year_group or p.external_id})") for p in pupils
        ]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm this child no longer needs to be on the restricted list",
        error_messages={
            "required": "Confirm that the child no longer needs to be on the restricted list"
        },
    )


class PhotoCheckForm(forms.Form):
    photo = PhotoField(label="Photo")
    purpose = forms.ChoiceField(
        label="Where will it be used?",
        widget=forms.RadioSelect,
        initial="social_media",
        error_messages={"required": "Select where the photo will be used"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [(p.id, p.label) for p in consent_settings().purposes]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Who is this?",
        widget=forms.RadioSelect,
        choices=FaceReview.DECISIONS,
        error_messages={"required": "Select who this is"},
    )
    person = forms.ChoiceField(
        label="Person (if in the directory or on the restricted list)",
        required=False,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose a person")] + [
            (p.external_id, f"{p.full_name} ({p.external_id})") for p in people
        ]

    def clean(self):
        data = super().clean()
        if data.get("decision") == FaceReview.PERSON and not data.get("person"):
            self.add_error("person", "Choose the person in the directory")
        return data


class TakedownDoneForm(forms.Form):
    note = forms.CharField(
        label="What was taken down, and where",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say what was taken down and where"},
    )


class ImportForm(CsvUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "Columns: external_id, internal, print, website, social_media, press, restricted, "
            "biometric (yes or no)"
        )


class ParentConsentForm(forms.Form):
    """The parent's e-consent form: every purpose, where it goes, and face matching."""

    def __init__(self, *args, child_name="your child", **kwargs):
        super().__init__(*args, **kwargs)
        purpose_fields(self)
        self.fields["biometric"] = _radios(
            f"Face matching for {child_name}",
            BIOMETRIC_CHOICES,
            help_text=(
                "Before a photo is published, a computer can compare the faces in it with a stored "
                f"description of {child_name}'s face (a set of numbers, kept encrypted, never the photo). "
                "This is biometric information, so the law needs your written consent, and it stops if "
                "any parent or carer objects or if your child refuses. Without it, a member of staff "
                "checks photos by eye instead."
            ),
            message="Select your answer about face matching",
        )
        self.fields["child_refuses"] = _radios(
            f"Has {child_name} told you they do not want their face matched?",
            message=f"Select yes or no for whether {child_name} refuses",
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return single(None, initial)
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class BatchCheckForm(forms.Form):
    files = MultipleFileField(
        label="Zip file or photos",
        required=False,
        help_text="A zip file of event photos, or several JPEG, PNG, WebP or HEIC photos "
        "(hold Ctrl or Cmd to choose more than one). Up to 300 photos at a time.",
        error_messages={"empty": "The file is empty"},
    )
    folder = MultipleFileField(
        label="Or a whole folder of photos",
        required=False,
        widget=MultipleFileInput(attrs={"webkitdirectory": True}),
        help_text="Every photo in the folder is checked; other files in it are listed as skipped.",
        error_messages={"empty": "A file in the folder is empty"},
    )
    purpose = forms.ChoiceField(
        label="Where will the photos be used?",
        widget=forms.RadioSelect,
        initial="social_media",
        error_messages={"required": "Select where the photos will be used"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [(p.id, p.label) for p in consent_settings().purposes]

    def clean(self):
        cleaned = super().clean()
        chosen = (cleaned.get("files") or []) + (cleaned.get("folder") or [])
        if not chosen and "files" not in self.errors and "folder" not in self.errors:
            self.add_error("files", "Choose a zip file, photos or a folder to check")
        cleaned["uploads"] = chosen
        return cleaned
