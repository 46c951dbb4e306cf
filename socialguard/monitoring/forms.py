"""Forms for the monitoring pages: every error names its field in plain words."""

from django import forms

from .models import Exclusion
from .packdata import SOURCES, monitoring_pack

SOURCE_LABELS = {
    "squid": "Squid (native access log)",
    "squid-extended": "Squid (extended/combined log)",
    "umbrella": "Cisco Umbrella",
    "zscaler": "Zscaler",
    "fortigate": "FortiGate web filter",
    "sophos": "Sophos XG web filter",
    "google-workspace": "Google Workspace activity (JSON)",
    "m365": "Microsoft 365 audit log (JSON)",
    "postfix": "Postfix mail log",
    "exim": "Exim mail log",
}
SOURCE_CHOICES = [(s, SOURCE_LABELS.get(s, s)) for s in SOURCES]
UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # read while you wait; bigger files go through the CLI


def _category_choices(blank: str):
    return [("", blank)] + [(c.id, c.label) for c in monitoring_pack().categories.values()]


def _date(label: str, required: bool = True, help_text: str = ""):
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": f"Enter the {label.lower()}",
                                           "invalid": f"Enter the {label.lower()} as a date"})  # fmt: skip


class ReviewForm(forms.Form):
    state = forms.ChoiceField(
        label="What did you find?",
        choices=[
            ("reviewed", "Reviewed: nothing more to do"),
            ("false_positive", "False positive: the words matched but it is not a concern"),
        ],  # fmt: skip
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose reviewed or false positive",
            "invalid_choice": "Choose reviewed or false positive",
        },  # fmt: skip
    )
    reason = forms.CharField(label="Reason", required=False, max_length=2000,
                             help_text="Needed for a false positive, for example 'maths lesson on probability'.",
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("state") == "false_positive" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why this is a false positive")
        return data


class EscalateForm(forms.Form):
    note = forms.CharField(label="What you know so far (optional)", required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class ExclusionForm(forms.Form):
    scope = forms.ChoiceField(label="What to exclude", choices=Exclusion.SCOPES, widget=forms.RadioSelect,
                              error_messages={"required": "Choose what to exclude",
                                              "invalid_choice": "Choose what to exclude from the list"})  # fmt: skip
    value = forms.CharField(label="The word, website, person's ID or year group", max_length=255,
                            error_messages={"required": "Say what is excluded"})  # fmt: skip
    category = forms.ChoiceField(label="Category", required=False,
                                 error_messages={"invalid_choice": "Choose a category from the list"})  # fmt: skip
    until = _date(
        "End date", required=False, help_text="Leave empty to keep it until it is withdrawn."
    )
    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Write the reason for the exclusion"})  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices("Every category")


class WarrantRequestForm(forms.Form):
    case = forms.CharField(label="Case reference", max_length=40, help_text="The open case this concern belongs to, such as SG-2026-1A2B3C.",
                           error_messages={"required": "Enter the case reference"})  # fmt: skip
    subject = forms.CharField(label="The person's ID in the directory", max_length=100,
                              error_messages={"required": "Enter the ID of the person to look at"})  # fmt: skip
    justification = forms.CharField(label="Justification", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text="The concern that makes looking at this person's use necessary.",
                                    error_messages={"required": "Write the justification"})  # fmt: skip
    sources = forms.MultipleChoiceField(label="Logs to search", choices=SOURCE_CHOICES,
                                        widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": "Choose at least one log",
                                                        "invalid_choice": "Choose logs from the list"})  # fmt: skip
    date_from = _date("Start date")
    date_to = _date("End date")
    days = forms.IntegerField(label="Lasts for (days)", min_value=1,
                              error_messages={"required": "Enter how many days the warrant lasts",
                                              "invalid": "Enter a whole number of days",
                                              "min_value": "A warrant lasts at least 1 day"})  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = monitoring_pack().warrant_max_days
        self.fields["days"].help_text = f"At most {most} days."
        self.fields["days"].validators.append(_max(most))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date is before the start date")
        return data


def _max(most: int):
    def check(value):
        if value > most:
            raise forms.ValidationError(f"A warrant lasts at most {most} days")

    return check


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=[("approve", "Approve"), ("refuse", "Refuse")],
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose approve or refuse",
                                                 "invalid_choice": "Choose approve or refuse"})  # fmt: skip
    note = forms.CharField(label="Note (needed to refuse)", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the warrant is refused")
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Why revoke it?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why the warrant is revoked"})  # fmt: skip


class SearchForm(forms.Form):
    date_from = _date("Start date")
    date_to = _date("End date")
    sources = forms.MultipleChoiceField(label="Logs (leave empty for all the warrant covers)", required=False,
                                        choices=SOURCE_CHOICES, widget=forms.CheckboxSelectMultiple,
                                        error_messages={"invalid_choice": "Choose logs from the list"})  # fmt: skip


class UploadForm(forms.Form):
    source = forms.ChoiceField(label="Which system wrote this log?", choices=[("", "Choose a log type")] + SOURCE_CHOICES,
                               error_messages={"required": "Choose which system wrote the log",
                                               "invalid_choice": "Choose a log type from the list"})  # fmt: skip
    file = forms.FileField(label="Log file", help_text="Plain text or .gz, up to 20 MB. Larger files: use `socialguard ingest-log`.",
                           error_messages={"required": "Choose the log file", "empty": "The file is empty"})  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                "The file is over 20 MB: use `socialguard ingest-log` for it"
            )
        return upload
