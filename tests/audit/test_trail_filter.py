import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_names_the_field_when_the_audit_filter_dates_are_wrong(client, signed_in):
    signed_in("headteacher", "staff")
    response = client.get(reverse("audit"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The ‘To’ date must be the same as or after the ‘From’ date" in page

    response = client.get(reverse("audit"), {"date_from": "2026-13-45"})
    page = response.content.decode()
    assert "The ‘From’ date must be a real date, like 2026-11-01" in page
    assert "Enter a valid date" not in page
