from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
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
    name = forms.CharField(
        label="Name for this token", help_text="For example 'MIS sync script'", max_length=100
    )


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
