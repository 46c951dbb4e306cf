from django import forms
from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person

from .packdata import declarations_pack

YES_NO = [("yes", "Yes"), ("no", "No")]
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


def _date_field(label: str, hint: str, required_message: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": required_message,
            "invalid": f"{required_message}, for example 31/7/2026",
        },
    )


class DeclarationForm(forms.Form):
    """One page, one yes/no question per declaration item of the pack."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, item in enumerate(declarations_pack().items, start=1):
            self.fields[item.id] = forms.ChoiceField(
                label=f"{n}. {item.question}",
                help_text=item.hint,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select yes or no for question {n}",
                    "invalid_choice": f"Select yes or no for question {n}",
                },
            )


class ExceptionRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to do?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to do",
            "invalid_choice": "Select what you want to do from the list",
        },
    )
    platform = forms.CharField(
        label="Platform",
        help_text="Any platform or site, for example Facebook, Instagram, LinkedIn, TikTok or a forum",
        max_length=100,
        error_messages={"required": "Enter the name of the platform"},
    )
    account_handle = forms.CharField(
        label="Name of the account",
        help_text="The account name or handle, for example @ourschool_pe",
        max_length=200,
        error_messages={"required": "Enter the name of the account"},
    )
    purpose = forms.CharField(
        label="What is the account for?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter what the account is for"},
    )
    until = _date_field(
        "Until when do you need it?",
        "For example, 31/7/2026. Leadership approves an exception for a limited time.",
        "Enter the date you need it until",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k.id, k.label) for k in declarations_pack().exception_kinds.values()
        ]


class ExceptionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select approve or refuse",
            "invalid_choice": "Select approve or refuse",
        },
    )
    reason = forms.CharField(
        label="Reason",
        help_text="The member of staff sees this",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for your decision"},
    )


class TrainingRecordForm(forms.Form):
    person = forms.ChoiceField(
        label="Who did the training?",
        error_messages={
            "required": "Select who did the training",
            "invalid_choice": "Select who did the training from the list",
        },
    )
    kind = forms.ChoiceField(
        label="Kind of training",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the kind of training",
            "invalid_choice": "Select the kind of training from the list",
        },
    )
    course = forms.CharField(
        label="Course",
        help_text="For example, Level 3 Designated Safeguarding Lead refresher",
        max_length=200,
        error_messages={"required": "Enter the name of the course"},
    )
    completed_on = _date_field(
        "Date completed", "For example, 14/3/2026", "Enter the date the training was completed"
    )
    expires_on = _date_field(
        "Expiry date", "For example, 14/3/2027", "Enter the date the training expires"
    )
    certificate_reference = forms.CharField(
        label="Certificate reference (optional)", required=False, max_length=100
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.id, k.label) for k in kinds]
        roles = {r for k in kinds for r in k.required_for}
        people = Person.objects.filter(is_active=True, roles__role__in=roles).distinct()
        self.fields["person"].choices = [("", "Choose a person")] + [
            (p.external_id, f"{p.full_name} ({p.external_id})") for p in people
        ]

    def clean_completed_on(self):
        value = self.cleaned_data["completed_on"]
        if value > timezone.localdate(clock.now()):
            raise forms.ValidationError(
                "The date the training was completed must be today or in the past"
            )
        return value

    def clean(self):
        data = super().clean()
        completed, expires = data.get("completed_on"), data.get("expires_on")
        if completed and expires and expires <= completed:
            self.add_error(
                "expires_on", "The expiry date must be after the date the training was completed"
            )
        return data
