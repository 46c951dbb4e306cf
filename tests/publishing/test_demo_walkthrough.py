"""The issue's "done when" walk-through on the demo school, through the web pages: Laura Bennett
(teacher) names Chloe Brown (PUP-003, on the consent demo's restricted list) and a phone number;
both are highlighted with PRIN-d and the draft cannot be approved; after fixing it, Mrs Wilson
(expired training) is refused, the author cannot approve it, and Mrs Mbah (trained) approves it
onto the website news page and its RSS feed."""

import re

import pytest

from socialguard.people.models import Person
from socialguard.publishing import services
from socialguard.publishing.models import ArchiveItem, Draft, OfficialAccount
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

BAD = "Well done to Chloe Brown for the poetry prize! Ring 07700 900123 for the photos."
FIXED = "Well done to our poetry prize winners! Ring the school office for the photos."


def _assert_marked_with_clause(page: str, words: str) -> None:
    """`words` is marked as a block finding in place, and that finding's entry names PRIN-d."""
    mark = re.search(
        r'<mark class="sg-finding sg-finding--block">'
        + re.escape(words)
        + r'<span class="govuk-visually-hidden"> \(finding (\d+): block\)',
        page,
    )
    assert mark, f"{words!r} is not marked as blocking"
    entry = re.search(
        rf"<strong>{mark.group(1)}\. [^<]*</strong></p>\s*<p[^>]*>Block · clause PRIN-d", page
    )
    assert entry, f"finding {mark.group(1)} does not name clause PRIN-d"


@pytest.fixture
def demo(db):
    from socialguard.web.demo import load_demo

    load_demo()
    return {
        ext: Person.objects.select_related("user").get(external_id=ext)
        for ext in ("PUP-003", "STAFF-005", "STAFF-006", "STAFF-012")
    }


@pytest.mark.clause("PRIN-d")
@pytest.mark.clause("PAR-6")
@pytest.mark.clause("OFF-1")
@pytest.mark.clause("OFF-3")
def test_it_walks_the_done_when_through_on_the_demo_school(demo, client):
    from socialguard.consent.services import restricted_external_ids

    assert "PUP-003" in restricted_external_ids()
    # Her name blocks whatever its case, and in its possessive form.
    result = services.check_post(
        text="chloe brown's poem won; CHLOE BROWN read it.", channel="website"
    )
    assert result["verdict"] == "block"
    assert [f["severity"] for f in result["findings"] if f["clause"] == "PRIN-d"] == [
        "block",
        "block",
    ]
    teacher, wilson, mbah = demo["STAFF-012"].user, demo["STAFF-005"].user, demo["STAFF-006"].user
    assert services.officer_gate(mbah.person).allowed
    assert "expired on" in services.officer_gate(wilson.person).message
    website = OfficialAccount.objects.get(platform="website")

    # The live check while typing highlights both with their clause.
    sign_in(client, teacher)
    partial = client.post(
        "/publishing/drafts/check/",
        {"text": BAD, "accounts": [website.pk]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    _assert_marked_with_clause(partial, "Chloe Brown")
    _assert_marked_with_clause(partial, "07700 900123")
    assert "PRIN-d" in partial

    # Saved and submitted, the draft shows both findings in place and cannot be approved.
    response = client.post(
        "/publishing/drafts/new/",
        {"title": "Poetry prize", "text": BAD, "accounts": [website.pk]},
    )
    assert response.status_code == 302
    draft = Draft.objects.get(title="Poetry prize")
    blocks = {BAD[f["start"] : f["end"]]: f for f in draft.findings if f["severity"] == "block"}
    assert set(blocks) == {"Chloe Brown", "07700 900123"}
    assert {f["clause"] for f in blocks.values()} == {"PRIN-d"}
    detail = client.get(f"/publishing/drafts/{draft.pk}/").content.decode()
    _assert_marked_with_clause(detail, "Chloe Brown")
    _assert_marked_with_clause(detail, "07700 900123")
    # The message must not reveal that the child is on the restricted list.
    assert "restricted" not in blocks["Chloe Brown"]["message"].lower()
    submit = client.post(f"/publishing/drafts/{draft.pk}/submit/", {"understood": "yes"})
    assert submit.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "submitted" and draft.approver == mbah.person

    client.logout()
    sign_in(client, mbah)
    refused = client.post(f"/publishing/approvals/{draft.pk}/", {"decision": "approve"})
    assert refused.status_code == 400 and "cannot be approved" in refused.content.decode()
    assert Draft.objects.get(pk=draft.pk).state == "submitted"
    assert not ArchiveItem.objects.filter(publication__draft=draft).exists()
    returned = client.post(
        f"/publishing/approvals/{draft.pk}/",
        {"decision": "return", "comment": "Please take out the name and the number."},
    )
    assert returned.status_code == 302

    # The author fixes it and submits again.
    client.logout()
    sign_in(client, teacher)
    edited = client.post(
        f"/publishing/drafts/{draft.pk}/edit/",
        {"title": "Poetry prize", "text": FIXED, "accounts": [website.pk]},
    )
    assert edited.status_code == 302
    draft.refresh_from_db()
    assert draft.verdict != "block"
    assert (
        client.post(f"/publishing/drafts/{draft.pk}/submit/", {"understood": "yes"}).status_code
        == 302
    )
    # The author is not an officer, so cannot approve their own post either.
    assert client.post(
        f"/publishing/approvals/{draft.pk}/", {"decision": "approve"}
    ).status_code in (
        403,
        404,
    )
    with pytest.raises(services.PublishingError):
        services.draft_approve(draft=Draft.objects.get(pk=draft.pk), user=teacher)

    # Mrs Wilson's training has expired: she is told why and cannot approve.
    client.logout()
    sign_in(client, wilson)
    page = client.get(f"/publishing/approvals/{draft.pk}/").content.decode()
    assert "training expired on" in page and 'name="decision"' not in page
    response = client.post(f"/publishing/approvals/{draft.pk}/", {"decision": "approve"})
    assert response.status_code == 400 and "training expired on" in response.content.decode()
    assert Draft.objects.get(pk=draft.pk).state == "submitted"

    # Mrs Mbah approves: it is on the news page and in the feed.
    client.logout()
    sign_in(client, mbah)
    response = client.post(f"/publishing/approvals/{draft.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "published" and draft.decided_by == mbah.person
    client.logout()
    assert "Poetry prize" in client.get("/publishing/news/").content.decode()
    feed = client.get("/publishing/news/feed.xml").content.decode()
    assert "Poetry prize" in feed and "Chloe" not in feed
