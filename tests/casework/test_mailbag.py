"""One sweep sends each person a given notice once, however many deadlines it covers."""

import pytest
from django.core import mail

from socialguard.casework.services import Mailbag


@pytest.mark.clause("PRIN-h")
def test_it_sends_an_identical_notice_once(make_person):
    proprietor = make_person("proprietor", email="proprietor@example.org")
    deputy = make_person("deputy_dsl", email="deputy@example.org")
    bag = Mailbag()
    for _ in range(3):  # triage, an action and the case itself overdue in the same sweep
        bag.add(proprietor, "Escalated case SG-2026-000001", "See the case.")
    bag.add(deputy, "Escalated case SG-2026-000001", "See the case.")
    bag.add(proprietor, "Reminder for case SG-2026-000001", "See the case.")
    assert bag.send() == 3
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [
        ("deputy@example.org", "[SocialGuard] Escalated case SG-2026-000001"),
        ("proprietor@example.org", "[SocialGuard] Escalated case SG-2026-000001"),
        ("proprietor@example.org", "[SocialGuard] Reminder for case SG-2026-000001"),
    ]
