"""The whole "May I contact…?" table of `test_rules.py`, asked through the CLI, the API and the UI.

Each row of the engine table is replayed through `socialguard may-contact`, `POST
/api/v1/checks/contact` and the "Check before you contact" screen, with the context turned into
the facts those interfaces read: the sender is a real person with the row's roles, "parent at the
school" is a ParentOf link, "live withheld-number permission" is a permission granted by the
Headteacher for a trip happening now. Every interface must give the engine's answer.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.contact.services import contact_ruleset
from socialguard.policy.pack import get_pack
from tests.conftest import sign_in
from tests.contact.helpers import at, granted_permission, make_trip
from tests.contact.test_rules import TABLE

NOW = "2026-03-10 12:00"
INTERFACES = ("cli", "api", "ui")
# The check screen's "Who are you contacting?" choices for a single role (forms.RECIPIENT_KINDS).
UI_KINDS = {
    "pupil": "pupil",
    "parent": "parent",
    "ex_pupil": "ex_pupil",
    "other_school_pupil": "other_school_pupil",
    "staff": "colleague",
    "public": "public",
}
EFFECT_TITLES = {
    "allow": "Yes, this is allowed",
    "allow_with_conditions": "Yes, with conditions",
    "deny": "No, this is not allowed",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Some 200 sign-ins: the accounts need no strong hash here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _rows():
    for row in TABLE:
        for interface in INTERFACES:
            yield pytest.param(*row.values, interface, marks=row.marks, id=f"{interface}-{row.id}")


class World:
    """The people and records one row needs, built the way a school would have them."""

    def __init__(self, query, make_person, make_user, parent_of):
        self.query = query
        self.sender = make_user(*sorted(query.sender_roles))
        # A sender with no account (a parent) is asked about by a colleague, naming the role.
        account_roles = get_pack().account_roles()
        self.sender_role = None
        self.asker = self.sender
        if not query.sender_roles & account_roles:
            (self.sender_role,) = query.sender_roles
            self.asker = make_user("staff")
        self.can_search = bool(set(self.asker.person.role_ids) & get_pack().staff_roles())
        if query.sender_is_parent_at_school:
            parent_of(self.sender.person, make_person("pupil"))
        self.permission = None
        if query.has_live_withheld_permission:
            head = make_user("headteacher", "staff").person
            trip = make_trip(self.sender.person, starts="2026-03-10", days=2)
            self.permission = granted_permission(
                self.sender.person, trip, "2026-03-10 00:00", "2026-03-12 00:00", head
            )
        roles = sorted(query.recipient_roles)
        self.recipient_role = roles[0] if len(roles) == 1 else None
        self.recipient = make_person(*roles)  # for the questions that name a person

    def cli_args(self):
        q = self.query
        args = ["--channel", q.channel]
        if self.sender_role:
            args += ["--sender-role", self.sender_role]
        else:
            args += ["--sender", self.sender.person.external_id]
        if self.recipient_role:
            args += ["--recipient-role", self.recipient_role]
        else:
            args += ["--recipient", self.recipient.external_id]
        for flag in ("on_trip", "pre_arranged", "supervised", "genuine_need"):
            if getattr(q, flag):
                args.append("--" + flag.replace("_", "-"))
        if self.permission:
            args += ["--permission", str(self.permission.pk)]
        return args

    def api_payload(self):
        q = self.query
        payload = {
            "channel": q.channel,
            "on_trip": q.on_trip,
            "pre_arranged": q.pre_arranged,
            "supervised": q.supervised,
            "genuine_need": q.genuine_need,
        }
        if self.sender_role:
            payload["sender_role"] = self.sender_role
        if self.recipient_role:
            payload["recipient_role"] = self.recipient_role
        else:
            payload["recipient"] = self.recipient.external_id
        if self.permission:
            payload["permission"] = self.permission.pk
        return payload

    def ui_form(self):
        q = self.query
        form = {"channel": q.channel, "sender_role": self.sender_role or ""}
        if self.recipient_role in UI_KINDS:
            form["recipient_kind"] = UI_KINDS[self.recipient_role]
        elif not self.can_search:
            # Only staff search the directory; others name "a colleague" (the same answer).
            assert q.recipient_roles <= get_pack().staff_roles(), q
            form["recipient_kind"] = "colleague"
        else:
            form["recipient_kind"] = "person"
            form["recipient"] = self.recipient.external_id
        for flag in ("on_trip", "pre_arranged", "supervised", "genuine_need"):
            if getattr(q, flag):
                form[flag] = "on"
        if self.permission:
            form["permission"] = self.permission.pk
        return form


def _errors(html: str) -> str:
    return html[html.find("govuk-error-summary") :][:1500]


def _ask_cli(capsys, world):
    with pytest.raises(SystemExit) as exit_info:
        call_command("may-contact", *world.cli_args(), "--format", "json")
        raise SystemExit(0)
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out)


@pytest.mark.django_db
@pytest.mark.parametrize("query, expected, interface", _rows())
def test_it_gives_the_engines_answer_through_every_interface(
    query, expected, interface, client, capsys, make_person, make_user, parent_of
):
    world = World(query, make_person, make_user, parent_of)
    alternatives = [way for way in expected.ways if way != query.channel]
    allowed = expected.effect != "deny"

    with clock.frozen(at(NOW)):
        if interface == "cli":
            code, data = _ask_cli(capsys, world)
            assert code == (0 if allowed else 1), data
        elif interface == "api":
            sign_in(client, world.asker)
            response = client.post(
                "/api/v1/checks/contact", world.api_payload(), content_type="application/json"
            )
            assert response.status_code == 200, response.content
            data = response.json()
        else:
            sign_in(client, world.asker)
            response = client.post(reverse("contact_check"), world.ui_form())
            html = response.content.decode()
            assert response.status_code == 200
            assert f">{EFFECT_TITLES[expected.effect]}</h2>" in html, _errors(html)
            clause_links = ", ".join(
                f'<a class="govuk-link" href="/policy/#clause-{c}">{c}</a>'
                for c in expected.clauses
            )
            assert f"Policy clauses: {clause_links}</p>" in html
            labels = contact_ruleset().channel_labels
            listed = "".join(f"<li>{escape(labels[way])}</li>" for way in alternatives)
            if alternatives:
                assert f'<ol class="govuk-list govuk-list--number">{listed}</ol>' in html
            else:
                assert "No other way is allowed for this person." in html

    event = AuditEvent.objects.filter(action="contact.checked").latest("id")
    assert event.detail["via"] == ("web" if interface == "ui" else interface)
    assert event.detail["rule"] == expected.rule
    assert event.detail["effect"] == expected.effect
    assert event.detail["clauses"] == expected.clauses
    if interface != "ui":
        assert list(data) == ["allowed", "clauses", "reason", "conditions", "alternatives"]
        assert data["allowed"] is allowed
        assert data["clauses"] == expected.clauses
        assert data["alternatives"] == alternatives
        assert bool(data["conditions"]) is (expected.effect == "allow_with_conditions")
        assert data["reason"]


def test_it_replays_every_row_of_the_engine_table():
    assert len(list(_rows())) == len(INTERFACES) * len(TABLE)
