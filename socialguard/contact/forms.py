from datetime import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person

from .models import ParentMessage, SchoolDevice
from .permissions import STAFF_ROLES, TRIP_ROLES
from .services import contact_ruleset, live_permissions, parent_channels, when_text

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"]
DATE_HINT = "For example, 27/3/2026"
# The kinds of person the check offers, in the words of the policy; "colleague" is any member of staff.
RECIPIENT_KINDS = (
    ("pupil", None),
    ("parent", None),
    ("ex_pupil", None),
    ("other_school_pupil", None),
    ("colleague", "A colleague (anyone who works for the school)"),
    ("public", None),
)
KIND_ROLES = {"colleague": "staff"}
NOT_STAFF = ("pupil", "parent", "ex_pupil", "other_school_pupil", "public")


def _date_field(label, what):
    return forms.DateField(
        label=label,
        help_text=DATE_HINT,
        input_formats=DATE_FORMATS,
        error_messages={
            "required": f"Enter {what}",
            "invalid": f"{what[0].upper()}{what[1:]} must be a real date, like 27/3/2026",
        },
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person.full_name} ({person.external_id})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return person.full_name


def staff_people():
    roles = TRIP_ROLES - set(NOT_STAFF)
    return Person.objects.filter(is_active=True, roles__role__in=roles).distinct()


def staff_with_accounts():
    return staff_people().filter(user__isnull=False, roles__role__in=STAFF_ROLES).distinct()


def parents():
    return Person.objects.filter(is_active=True, roles__role="parent").distinct()


def directory_search(text: str, exclude=None, limit: int = 10):
    text = (text or "").strip()
    if len(text) < 2:
        return []
    people = Person.objects.filter(is_active=True).prefetch_related("roles")
    for word in text.split()[:3]:
        people = people.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(external_id__iexact=word)
        )
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.order_by("family_name", "given_name")[:limit])


class ContactCheckForm(forms.Form):
    sender_role = forms.ChoiceField(
        label="Who is making contact?",
        required=False,
        help_text="Leave it as you, or choose a kind of person to check the rules for them",
        error_messages={"invalid_choice": "Choose who is making contact from the list"},
    )
    recipient_kind = forms.ChoiceField(
        label="Who are you contacting?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who you are contacting",
            "invalid_choice": "Choose who you are contacting from the list",
        },
    )
    q = forms.CharField(
        label="Search the directory by name",
        required=False,
        max_length=100,
        help_text="Type at least two letters of their name, then choose them below",
    )
    recipient = forms.CharField(required=False, max_length=64)
    channel = forms.ChoiceField(
        label="How will you contact them?",
        error_messages={
            "required": "Choose how you will contact them",
            "invalid_choice": "Choose how you will contact them from the list",
        },
    )
    on_trip = forms.BooleanField(label="I am on a school trip", required=False)
    pre_arranged = forms.BooleanField(
        label="The call was arranged in advance with the parent or carer", required=False
    )
    supervised = forms.BooleanField(
        label="An adult at the pupil’s home supervises it", required=False
    )
    genuine_need = forms.BooleanField(
        label="I am a parent at the school too, and there is a genuine need",
        required=False,
    )
    permission = forms.TypedChoiceField(
        label="I hold a withheld-number permission",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of your live withheld-number permissions"},
    )

    def __init__(self, *args, user, can_search: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.person = getattr(user, "person", None)
        self.can_search = can_search
        ruleset = contact_ruleset()
        self.fields["sender_role"].choices = [("", "Me")] + list(ruleset.role_labels.items())
        kinds = [("person", "Someone from the directory")] if can_search else []
        kinds += [(kind, label or ruleset.role_labels[kind]) for kind, label in RECIPIENT_KINDS]
        self.fields["recipient_kind"].choices = kinds
        self.fields["channel"].choices = [("", "Choose how")] + [
            (cid, label) for cid, label in ruleset.channel_labels.items()
        ]
        self.live = list(live_permissions(self.person)) if self.person else []
        self.fields["permission"].choices = [("", "No permission")] + [
            (p.pk, f"{p.trip.name}, until {when_text(p.ends_at)}") for p in self.live
        ]
        self.matches = []
        self.chosen = None

    def clean(self):
        data = super().clean()
        if self.can_search:
            self._find_recipient(data)
        if data.get("recipient_kind") != "person":
            return data
        if not self.can_search:
            self.add_error("recipient_kind", "Choose a kind of person")
        elif self.chosen is None:
            if data.get("recipient"):
                self.add_error("q", "Search for the person again and choose them from the list")
            elif self.matches:
                self.add_error("q", "More than one person matches: choose one from the list")
            else:
                self.add_error("q", "Enter the name of the person you are contacting")
        return data

    def _find_recipient(self, data) -> None:
        self.matches = directory_search(data.get("q"), exclude=self.person)
        chosen = data.get("recipient")
        if chosen:
            self.chosen = Person.objects.filter(external_id=chosen, is_active=True).first()
            if self.chosen is not None and self.chosen not in self.matches:
                self.matches.insert(0, self.chosen)
        elif len(self.matches) == 1:
            self.chosen = self.matches[0]

    def recipient_roles(self):
        kind = self.cleaned_data["recipient_kind"]
        if kind == "person":
            return None
        return frozenset({KIND_ROLES.get(kind, kind)})


class TripForm(forms.Form):
    name = forms.CharField(
        label="Name of the trip",
        max_length=200,
        error_messages={"required": "Enter the name of the trip"},
    )
    starts_on = _date_field("First day", "the first day of the trip")
    ends_on = _date_field("Last day", "the last day of the trip")
    lead = PersonChoiceField(
        label="Trip lead",
        queryset=Person.objects.none(),
        empty_label="Choose the trip lead",
        error_messages={
            "required": "Choose the trip lead",
            "invalid_choice": "Choose the trip lead from the list of staff",
        },
    )
    staff = PeopleChoiceField(
        label="Other staff on the trip",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose the other staff on the trip from the list",
            "invalid_pk_value": "Choose the other staff on the trip from the list",
        },
    )
    pupils = forms.CharField(
        label="Pupils (from the directory)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Their directory IDs, separated by commas or new lines, for example PUP-001, PUP-002",
    )
    year_group = forms.ChoiceField(
        label="Add a whole year group",
        required=False,
        error_messages={"invalid_choice": "Choose a year group from the list"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = staff_people()
        self.fields["staff"].queryset = staff_people()
        groups = (
            Person.objects.filter(roles__role="pupil")
            .exclude(year_group="")
            .values_list("year_group", flat=True)
            .distinct()
            .order_by("year_group")
        )
        self.fields["year_group"].choices = [("", "No year group")] + [(g, g) for g in groups]

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error(
                "ends_on", "The last day of the trip must be the same as or after the first day"
            )
        ids = [
            i.strip()
            for i in (data.get("pupils") or "").replace(",", "\n").splitlines()
            if i.strip()
        ]
        pupils = {
            p.external_id: p
            for p in Person.objects.filter(external_id__in=ids, roles__role="pupil")
        }
        unknown = [i for i in ids if i not in pupils]
        if unknown:
            self.add_error("pupils", f"Not a pupil in the directory: {', '.join(unknown)}")
        chosen = list(pupils.values())
        if data.get("year_group"):
            chosen += list(
                Person.objects.filter(roles__role="pupil", year_group=data["year_group"])
            )
        data["pupil_people"] = list({p.pk: p for p in chosen}.values())
        return data


class DeviceForm(forms.ModelForm):
    class Meta:
        model = SchoolDevice
        fields = ["name", "number", "status"]
        labels = {"name": "Name of the phone", "number": "Its phone number"}
        error_messages = {
            "name": {"required": "Enter a name for the phone, for example Trip phone 1"},
            "number": {"required": "Enter the phone number"},
        }
        widgets = {"status": forms.RadioSelect}


class SignOutForm(forms.Form):
    device = forms.ModelChoiceField(
        label="School mobile",
        queryset=SchoolDevice.objects.filter(status="in_service"),
        empty_label="Choose a phone",
        error_messages={
            "required": "Choose the school mobile",
            "invalid_choice": "Choose a school mobile that is in service from the list",
        },
    )
    holder = PersonChoiceField(
        label="Who carries it",
        queryset=Person.objects.none(),
        empty_label="Choose a member of staff",
        error_messages={
            "required": "Choose who carries the phone",
            "invalid_choice": "Choose who carries the phone from the staff on the trip",
        },
    )

    def __init__(self, *args, trip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = Person.objects.filter(
            Q(pk=trip.lead_id) | Q(pk__in=trip.staff.values("pk"))
        ).distinct()


class PermissionRequestForm(forms.Form):
    trip = forms.ModelChoiceField(
        label="Trip",
        queryset=None,
        empty_label="Choose the trip",
        error_messages={
            "required": "Choose the trip",
            "invalid_choice": "Choose a trip you are on from the list",
        },
    )
    reason = forms.CharField(
        label="Why may you need to call from a withheld number?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why you may need to call from a withheld number"},
    )
    starts_on = _date_field("First day of the permission", "the first day of the permission")
    ends_on = _date_field("Last day of the permission", "the last day of the permission")

    def __init__(self, *args, trips, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trip"].queryset = trips

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error(
                "ends_on",
                "The last day of the permission must be the same as or after the first day",
            )
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("grant", "Grant the permission"), ("refuse", "Refuse the permission")],
        error_messages={
            "required": "Choose whether to grant or refuse the permission",
            "invalid_choice": "Choose whether to grant or refuse the permission",
        },
    )
    note = forms.CharField(
        label="Note to the member of staff (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ParentMessageForm(forms.Form):
    parent = PersonChoiceField(
        label="Parent or carer",
        queryset=Person.objects.none(),
        empty_label="Choose the parent or carer",
        error_messages={
            "required": "Choose the parent or carer",
            "invalid_choice": "Choose the parent or carer from the list",
        },
    )
    channel = forms.ChoiceField(
        label="How did they contact the school?",
        error_messages={
            "required": "Choose how they contacted the school",
            "invalid_choice": "Choose how they contacted the school from the list",
        },
    )
    topic = forms.CharField(
        label="Topic",
        max_length=120,
        error_messages={"required": "Enter the topic, in a few words"},
    )
    summary = forms.CharField(
        label="What did they say or ask?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter what they said or asked"},
    )
    received_date = _date_field("Date received", "the date it was received")
    received_time = forms.TimeField(
        label="Time received",
        help_text="For example, 14:30",
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={
            "required": "Enter the time it was received",
            "invalid": "The time it was received must be a real time, like 14:30",
        },
    )
    assigned_to = PersonChoiceField(
        label="Who replies",
        queryset=Person.objects.none(),
        empty_label="Choose who replies",
        error_messages={
            "required": "Choose who replies",
            "invalid_choice": "Choose who replies from the list of staff",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents()
        self.fields["assigned_to"].queryset = staff_with_accounts()
        self.fields["channel"].choices = [("", "Choose how")] + list(parent_channels().items())

    def clean(self):
        data = super().clean()
        if data.get("received_date") and data.get("received_time"):
            data["received_at"] = timezone.make_aware(
                datetime.combine(data["received_date"], data["received_time"])
            )
            if data["received_at"] > clock.now():
                self.add_error(
                    "received_date", "The date and time it was received must be in the past"
                )
        return data


class CallForm(forms.Form):
    parent = PersonChoiceField(
        label="Parent or carer",
        queryset=Person.objects.none(),
        empty_label="Choose the parent or carer",
        error_messages={
            "required": "Choose the parent or carer",
            "invalid_choice": "Choose the parent or carer from the list",
        },
    )
    direction = forms.ChoiceField(
        label="Who called?",
        widget=forms.RadioSelect,
        choices=ParentMessage.DIRECTION_CHOICES,
        initial="from_parent",
        error_messages={
            "required": "Choose who called",
            "invalid_choice": "Choose who called: the parent or the school",
        },
    )
    topic = forms.CharField(
        label="Topic",
        max_length=120,
        error_messages={"required": "Enter the topic, in a few words"},
    )
    summary = forms.CharField(
        label="What was said",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Enter what was said"},
    )
    needs_reply = forms.ChoiceField(
        label="Does the parent need a reply or a follow-up?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No, it was dealt with on the call")],
        error_messages={
            "required": "Choose whether the parent needs a reply",
            "invalid_choice": "Choose whether the parent needs a reply: yes or no",
        },
    )
    assigned_to = PersonChoiceField(
        label="Who replies",
        queryset=Person.objects.none(),
        required=False,
        empty_label="Me",
        error_messages={"invalid_choice": "Choose who replies from the list of staff"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents()
        self.fields["assigned_to"].queryset = staff_with_accounts()
