"""A capture time or a date of the incident in the future is refused, naming the field (CB-6)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.casework.models import Case, Evidence
from tests.casework.test_evidence import upload
from tests.casework.test_report import form_data, png_bytes
from tests.conftest import sign_in


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.clause("CB-6")
def test_it_refuses_evidence_captured_in_the_future(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    tomorrow = _local(clock.now() + timedelta(days=1))
    response = upload(client, case, png_bytes(), captured_at=tomorrow)
    page = response.content.decode()
    assert response.status_code == 400 and "The capture time is in the future" in page
    assert 'id="id_captured_at-error"' in page
    assert not Evidence.objects.exists()
    # a device clock a few minutes ahead is fine
    response = upload(
        client, case, png_bytes(), captured_at=_local(clock.now() + timedelta(minutes=2))
    )
    assert response.status_code == 302 and Evidence.objects.count() == 1


@pytest.mark.clause("RESP-4")
def test_it_refuses_a_report_of_something_that_happened_in_the_future(client, school):
    sign_in(client, school["teacher"])
    next_year = _local(clock.now() + timedelta(days=365))
    response = client.post(reverse("casework:report"), form_data(happened_at=next_year))
    page = response.content.decode()
    assert "The date it happened is in the future" in page
    assert 'id="id_happened_at-error"' in page
    assert not Case.objects.exists()


@pytest.mark.clause("CB-6")
def test_the_api_names_a_future_capture_time(client, school, report):
    import base64

    case = report()
    sign_in(client, school["dsl"])
    response = client.post(
        f"/api/v1/cases/{case.reference}/evidence",
        {
            "kind": "screenshot",
            "filename": "shot.png",
            "content_base64": base64.b64encode(png_bytes()).decode(),
            "captured_at": (clock.now() + timedelta(days=2)).isoformat(),
            "site_address": "https://facebook.example/post/9",
            "may_be_indecent": False,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("captured_at:")
    assert not Evidence.objects.exists()
