"""Hostile and malformed requests to /api/v1/: always a clear 4xx JSON error that names the field,
never a 500 page or a traceback, and nothing half-written."""

import base64
import io
import json

import pytest
from PIL import Image

from socialguard.casework import services as casework
from socialguard.casework.models import Case, CaseAction, Evidence
from socialguard.people.models import ApiToken
from socialguard.people.services import api_token_create, api_token_revoke

CATEGORY = "cyberbullying_harassment"


@pytest.fixture
def api(client, make_user):
    """`api(role, method, path, body=None, raw=None)` with a personal API token for that role."""
    tokens = {}

    def call(role, method, path, body=None, *, raw=None, content_type="application/json"):
        if role not in tokens:
            user = make_user(*role.split("+"))
            tokens[role] = (user, api_token_create(user=user, name="tests", two_factor_verified=True)[1])
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[role][1]}"}
        url = f"/api/v1{path}"
        if method == "get":
            return client.get(url, **headers)
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return client.post(url, data=data, content_type=content_type, **headers)

    call.tokens = tokens
    return call


def report_body(**overrides):
    body = {
        "category": CATEGORY,
        "what_happened": "Nasty comments on Facebook.",
        "illegal_or_threats": False,
        "indecent_image": False,
    }
    body.update(overrides)
    return body


def png_base64():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def case_for_dsl(api, make_user):
    """A case reported by a teacher, with an open police-advice action; the DSL's token is made."""
    api("dsl", "get", "/cases")
    teacher = make_user("staff")
    return casework.case_report(
        reporter=teacher.person,
        category=CATEGORY,
        what_happened="A threat on Instagram.",
        illegal_or_threats=True,
        user=teacher,
    )


def detail(response) -> str:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["detail"]


@pytest.mark.parametrize("path", ["/cases", "/people"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999", "-1"])
def test_it_refuses_an_offset_no_database_can_take_naming_it(api, path, offset):
    response = api("dsl+headteacher", "get", f"{path}?offset={offset}")
    # The bounds are in the schema (issue 14): a value outside them is a 422 naming the field.
    assert response.status_code == 422
    assert detail(response).startswith("offset:")


def test_it_refuses_a_limit_out_of_range_naming_it(api):
    response = api("dsl", "get", "/cases?limit=0")
    assert response.status_code == 422 and detail(response).startswith("limit:")


def test_it_refuses_an_unknown_case_state_naming_it(api):
    response = api("dsl", "get", "/cases?state=nonsense")
    assert response.status_code == 422 and detail(response).startswith("state:")


@pytest.mark.parametrize("raw", ['"AAA"', "[null, null]", "null", "7"])
def test_it_refuses_a_body_that_is_not_a_json_object_and_completes_nothing(api, case_for_dsl, raw):
    action = case_for_dsl.actions.get(key="police_advice")
    response = api(
        "dsl", "post", f"/cases/{case_for_dsl.reference}/actions/{action.pk}/done", raw=raw
    )
    assert response.status_code == 400 and detail(response).startswith("body:")
    assert CaseAction.objects.get(pk=action.pk).status == "open"


def test_it_refuses_a_form_encoded_body_with_a_json_error(api):
    response = api(
        "staff", "post", "/cases", raw="a=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and detail(response).startswith("body:")
    assert not Case.objects.exists()


def test_it_names_the_field_in_a_schema_error_and_keeps_the_details(api):
    response = api("staff", "post", "/checks/contact", {"channel": 5})
    assert response.status_code == 422
    assert detail(response).startswith("channel:")
    assert response.json()["errors"][0]["loc"][-1] == "channel"


def test_it_names_the_party_in_a_nested_schema_error(api):
    response = api("staff", "post", "/cases", report_body(involved=[{"name": "Sam"}]))
    assert response.status_code == 422
    assert detail(response).startswith("involved[0].part:")


@pytest.mark.parametrize(
    ("field", "value"),
    [("platform", "Face\ud800book"), ("what_happened", "a\x00b"), ("url_or_sender", "x\udfff")],
)
def test_it_refuses_text_that_cannot_be_stored_and_writes_no_case(api, field, value):
    response = api("staff", "post", "/cases", report_body(**{field: value}))
    assert response.status_code == 400
    assert detail(response) == f"{field}: contains characters that cannot be stored"
    assert not Case.objects.exists()


@pytest.mark.parametrize(("field", "limit"), [("platform", 120), ("url_or_sender", 500)])
def test_it_refuses_overlong_text_instead_of_cutting_it_short(api, field, limit):
    response = api("staff", "post", "/cases", report_body(**{field: "x" * (limit + 1)}))
    assert response.status_code == 400
    assert detail(response) == f"{field}: write at most {limit} characters"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("party", "message"),
    [
        ({"part": "villain", "name": "Sam"}, "involved[0].part:"),
        ({"part": "victim", "name": "Sam", "kind": "alien"}, "involved[0].kind:"),
        ({"part": "victim"}, "involved[0].name:"),
        ({"part": "victim", "external_id": "nobody"}, "involved[0].external_id:"),
        ({"part": "victim", "name": "<b>\ud800</b>"}, "involved[0].name:"),
    ],
)
def test_it_names_the_party_field_at_fault_and_writes_no_case(api, party, message):
    response = api("staff", "post", "/cases", report_body(involved=[party]))
    # An external ID of no one is "not found" (404); every other fault is a 400 naming the field.
    expected = 404 if message == "involved[0].external_id:" else 400
    assert response.status_code == expected and detail(response).startswith(message)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"location_kind": "moon"}, "location_kind:"),
        ({"victim_aware": "maybe"}, "victim_aware:"),
        ({"what_happened": "   "}, "what_happened:"),
        ({"category": "nonsense"}, "category:"),
    ],
)
def test_it_names_the_report_field_the_service_refuses(api, overrides, field):
    response = api("staff", "post", "/cases", report_body(**overrides))
    assert response.status_code == 400 and detail(response).startswith(field)
    assert not Case.objects.exists()


def test_it_keeps_html_in_a_report_as_text(api, make_user):
    text = '<script>alert("x")</script> “quoted” 👀'
    response = api("staff", "post", "/cases", report_body(what_happened=text))
    assert response.status_code == 201
    assert Case.objects.get().what_happened == text


def test_it_names_physical_location_when_flagged_evidence_has_none(api, case_for_dsl):
    response = api(
        "dsl", "post", f"/cases/{case_for_dsl.reference}/evidence", {"may_be_indecent": True}
    )
    assert response.status_code == 400 and detail(response).startswith("physical_location:")
    assert not Evidence.objects.filter(case=case_for_dsl).exists()


def test_it_refuses_overlong_evidence_fields_and_stores_nothing(api, case_for_dsl):
    response = api(
        "dsl",
        "post",
        f"/cases/{case_for_dsl.reference}/evidence",
        {
            "may_be_indecent": False,
            "content_base64": png_base64(),
            "captured_at": "2026-03-14T16:30:00Z",
            "site_address": "https://x.example/" + "a" * 500,
        },
    )
    assert response.status_code == 400 and detail(response).startswith("site_address:")
    assert not Evidence.objects.filter(case=case_for_dsl).exists()


def test_it_accepts_base64_evidence_with_line_breaks(api, case_for_dsl):
    encoded = png_base64()
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    response = api(
        "dsl",
        "post",
        f"/cases/{case_for_dsl.reference}/evidence",
        {
            "may_be_indecent": False,
            "content_base64": wrapped,
            "filename": "shot.png",
            "captured_at": "2026-03-14T16:30:00Z",
            "site_address": "https://instagram.example/p/1",
        },
    )
    assert response.status_code == 201, response.content
    assert Evidence.objects.get(case=case_for_dsl).content_type == "image/png"


def test_it_refuses_base64_garbage_evidence_naming_the_field(api, case_for_dsl):
    response = api(
        "dsl",
        "post",
        f"/cases/{case_for_dsl.reference}/evidence",
        {"may_be_indecent": False, "content_base64": "%%% not base64 %%%"},
    )
    assert response.status_code == 400 and detail(response).startswith("content_base64")
    assert not Evidence.objects.filter(case=case_for_dsl).exists()


def test_it_names_the_field_of_a_refused_post_check(api):
    role = "social_media_officer"
    response = api(role, "post", "/checks/post", {"channel": "website", "images": ["!!"]})
    assert response.status_code == 400 and detail(response).startswith("images:")
    response = api(role, "post", "/checks/post", {"channel": "nowhere", "text": "Hello"})
    assert response.status_code == 400 and detail(response).startswith("channel:")


def test_it_answers_an_oversized_body_with_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api("staff", "post", "/cases", report_body(what_happened="x" * 5000))
    assert response.status_code == 413 and detail(response).startswith("body:")
    assert not Case.objects.exists()


def test_it_answers_an_unexpected_error_in_json_without_a_traceback(api, settings, monkeypatch):
    settings.DEBUG = True  # django-ninja would otherwise answer with the traceback as text

    def broken(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("socialguard.casework.api.visible_cases", broken)
    response = api("dsl", "get", "/cases")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "secret internals" not in body
    assert detail(response)


def test_it_refuses_a_revoked_token_and_a_missing_one(api, client):
    assert api("dsl", "get", "/cases").status_code == 200
    user, raw = api.tokens["dsl"]
    api_token_revoke(token=ApiToken.objects.get(user=user), actor=user)
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401 and detail(response)
    assert client.get("/api/v1/cases").status_code == 401


def test_it_refuses_a_multipart_body_without_a_boundary_naming_the_field(api):
    response = api(
        "social_media_officer",
        "post",
        "/checks/photo",
        raw="garbage",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and detail(response).startswith("file:")


@pytest.mark.parametrize("path", ["/nowhere", "/cases/", "/cases/SG-1/evidence/extra"])
def test_it_answers_an_unknown_address_with_json_404(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 404 and detail(response)
