from datetime import timedelta

import pytest
from django.utils import timezone

from socialguard import clock
from socialguard.declarations import services
from socialguard.declarations.packdata import declarations_pack


@pytest.fixture
def answers():
    """All-is-well answers for every item of the pack, with overrides."""

    def make(**overrides):
        result = {item.id: item.ok_answer for item in declarations_pack().items}
        result.update(overrides)
        return result

    return make


@pytest.fixture
def today():
    return timezone.localdate(clock.now())


@pytest.fixture
def approved_exception(make_user, today):
    """An approved PERS-8 exception of `kind` for `person`, decided by a fresh Headteacher."""

    def make(person, kind="school_email_for_personal_account", days=30):
        head = make_user("headteacher", "staff")
        exception = services.exception_request(
            requester=person,
            kind=kind,
            platform="TES Community",
            purpose="Sharing resources",
            account_handle="me.science",
            until=today + timedelta(days=days),
        )
        return services.exception_decide(
            exception=exception, user=head, approve=True, reason="Fine"
        )

    return make
