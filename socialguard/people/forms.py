from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        # The same words whether or not the username exists or is switched off (no enumeration).
        "invalid_login": (
            "Enter a correct username and password. Both are case-sensitive. If your sign-in "
            "has been switched off, or you have not chosen a password yet, ask the school office."
        ),
        "inactive": "This account has been switched off. Ask the school office.",
    }


class TokenCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code, for example 123456",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Enter the 6 digits from your authenticator app")
        return code


class CsvUploadForm(forms.Form):
    """A CSV file to import; subclasses set the help text naming their columns."""

    file = forms.FileField(label="CSV file", error_messages={"required": "Choose a CSV file"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(
                "The file is larger than 20 MB; split it into smaller files"
            )
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file (ending .csv)")
        return upload


class PeopleImportForm(CsvUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "Columns: external_id, role, given_name, family_name, preferred_name, date_of_birth, upn, "
            "year_group, email, parent_of"
        )


class ApiTokenForm(forms.Form):
    """Name, lifetime and scope of a new token: for each area of the API, no access, read-only
    (look things up) or read and write (also change things)."""

    ACCESS_CHOICES = [("", "No access"), ("read", "Read only"), ("write", "Read and write")]

    name = forms.CharField(
        label="Name for this token", help_text="For example 'MIS sync script'", max_length=100
    )
    days = forms.IntegerField(label="Expires after (days)", min_value=1, required=False)

    def __init__(self, *args, areas=(), max_days=90, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        self.fields["days"].initial = max_days
        self.fields["days"].help_text = f"At most {max_days} days for your role"
        self.fields["days"].validators.append(_max_days_validator(max_days))
        for area in self.areas:
            self.fields[f"scope_{area}"] = forms.ChoiceField(
                label=f"Access to {area}",
                choices=self.ACCESS_CHOICES,
                required=False,
                initial="read",
            )

    def clean_days(self):
        return self.cleaned_data.get("days") or self.fields["days"].initial

    def clean(self):
        cleaned = super().clean()
        if not self.scope():
            raise forms.ValidationError("Choose at least one area the token may use")
        return cleaned

    def scope(self) -> dict[str, str]:
        return {
            area: self.cleaned_data[f"scope_{area}"]
            for area in self.areas
            if self.cleaned_data.get(f"scope_{area}")
        }


def _max_days_validator(max_days: int):
    def check(value):
        if value is not None and value > max_days:
            raise forms.ValidationError(f"A token for your role lasts at most {max_days} days")

    return check


class UnlockForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or ID", required=False, max_length=100)
    role = forms.ChoiceField(label="Role", required=False)


class LineManagerForm(forms.Form):
    manager = forms.ChoiceField(
        label="Line manager",
        required=False,
        help_text="They support this person if they are a victim of online abuse, "
        "and see their overdue parent replies.",
    )

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [("", "No line manager")] + list(staff_choices)
