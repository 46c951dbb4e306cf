from django import forms
from django.utils import timezone

from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from .models import CONNECTORS, PLATFORMS, OfficialAccount, connector_choices, platform_choices
from .packdata import publishing_pack


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class DraftForm(forms.Form):
    title = forms.CharField(
        label="Headline (optional)",
        required=False,
        max_length=150,
        help_text="Used as the headline on the website news page and in the newsletter.",
        error_messages={"max_length": "The headline must be 150 characters or fewer"},
    )
    text = forms.CharField(
        label="Text of the post",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        strip=False,
    )
    accounts = forms.ModelMultipleChoiceField(
        label="Where should it be published?",
        queryset=OfficialAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scheduled_for = forms.DateTimeField(
        label="Publish at (optional)",
        required=False,
        help_text="For example, 2026-12-01 09:00. Leave empty to publish as soon as it is approved.",
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": "Enter the time to publish like 2026-12-01 09:00"},
    )
    images = MultipleImageField(
        label="Images (optional)",
        required=False,
        help_text="JPG, PNG or WebP. Location and camera details are removed before anything is published.",
    )
    image_descriptions = forms.CharField(
        label="Describe the new images (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One line for each new image, in the order you chose them. The description is "
        "published with the image for people who use screen readers: do not name pupils.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = OfficialAccount.objects.filter(is_active=True)
        self.fields["title"].help_text = (
            "Used as the headline on the website news page and in "
            f"{publishing_pack().newsletter_name}."
        )
        self.fields["images"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        self.fields["text"].widget.attrs.update(
            {
                "hx-trigger": "keyup changed delay:500ms",
                "hx-target": "#sg-live-check",
                "hx-swap": "innerHTML",
            }
        )

    def clean_scheduled_for(self):
        value = self.cleaned_data.get("scheduled_for")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve and publish"),
            ("return", "Return to the author with comments"),
            ("reject", "Reject"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve, return or reject"},
    )
    comment = forms.CharField(
        label="Comments for the author",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you return or reject the post.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("return", "reject") and not (data.get("comment") or "").strip():
            self.add_error("comment", "Enter your comments for the author")
        return data


class AccountForm(forms.Form):
    platform = forms.ChoiceField(
        label="Platform", choices=PLATFORMS, error_messages={"required": "Select the platform"}
    )
    name = forms.CharField(
        label="Name of the account",
        max_length=120,
        error_messages={"required": "Enter the name of the account"},
    )
    address = forms.CharField(label="Public address (optional)", max_length=300, required=False)
    connector = forms.ChoiceField(label="How posts go out", choices=CONNECTORS)
    base_url = forms.CharField(
        label="Service address (Mastodon, Facebook, X)",
        required=False,
        max_length=300,
        help_text="For example https://mastodon.example. Facebook and X use their standard address when empty.",
    )
    remote_account_id = forms.CharField(
        label="Page ID or account name (Facebook, X)", required=False, max_length=120
    )
    access_token = forms.CharField(
        label="Access token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the token already stored.",
    )
    is_active = forms.BooleanField(label="In use", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = platform_choices()
        self.fields["connector"].choices = connector_choices()


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label="Why is the post being taken down?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the post is being taken down"},
    )


class WebsitePageForm(forms.Form):
    title = forms.CharField(
        label="Title of the page",
        max_length=150,
        error_messages={"required": "Enter the title of the page"},
    )
    path = forms.CharField(
        label="Address on the website",
        max_length=300,
        help_text="For example /admissions/",
        error_messages={"required": "Enter the address of the page on the website"},
    )
    owner = forms.ModelChoiceField(
        label="Content owner (member of staff)",
        queryset=Person.objects.none(),
        error_messages={
            "required": "Select the member of staff who owns the content",
            "invalid_choice": "Select the member of staff who owns the content",
        },
    )
    review_every_days = forms.IntegerField(
        label="Review every (days)",
        min_value=1,
        max_value=3660,
        error_messages={
            "required": "Enter how often the page is reviewed, in days",
            "invalid": "Enter how often the page is reviewed as a number of days",
            "min_value": "Enter a number of days of 1 or more",
            "max_value": "Enter a number of days of 3660 or fewer",
        },
    )
    last_reviewed_on = forms.DateField(
        label="Last reviewed on",
        help_text="For example 2026-09-01",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": "Enter the date the page was last reviewed",
            "invalid": "Enter the date the page was last reviewed like 2026-09-01",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.filter(
            is_active=True, roles__role__in=get_pack().staff_roles()
        ).distinct()
