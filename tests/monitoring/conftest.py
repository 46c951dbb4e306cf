import pytest
from django.core import mail


@pytest.fixture
def leads(make_user):
    return make_user("dsl"), make_user("deputy_dsl")


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox
