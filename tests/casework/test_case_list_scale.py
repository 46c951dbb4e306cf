"""The case list at scale: constant queries per page, paging counts, filters, sort, need-to-know,
the `cases list` command and the governors' report."""

import json
import random
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework.models import Case, CaseParty
from socialguard.policy.pack import get_pack
from tests.casework.seed_cases import pupils, seed_cases
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
LIST = reverse("casework:case_list")


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def pool(db):
    return pupils(30, random.Random(1))


def _seed(count, school, pool, prefix="SC", **kw):
    seed_cases(
        count,
        handler=school["dsl"].person,
        pool=pool,
        now=NOW,
        prefix=prefix,
        rng=random.Random(count),
        **kw,
    )


def _queries(client, url):
    queries = []
    # An execute wrapper sees every query, whatever resets connection.queries between requests.
    with connection.execute_wrapper(lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)):
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def test_it_runs_the_same_number_of_queries_for_50_cases_as_for_300(client, school, pool, frozen):
    sign_in(client, school["dsl"])
    _seed(50, school, pool, prefix="A", urgent_every=5)  # urgent cases on top at both sizes
    pages = [LIST, LIST + "?sort=due&due=overdue", LIST + "?year_group=Year+9&sort=status",
             reverse("casework:dashboard"), reverse("casework:governors_report")]  # fmt: skip
    few = [_queries(client, url) for url in pages]
    _seed(250, school, pool, prefix="B", urgent_every=5)
    many = [_queries(client, url) for url in pages]
    # Six times the cases, the same queries: no query per case. The urgent-first order reads the
    # urgent part, then the rest only when the page is not full, so a page may differ by one.
    assert all(abs(m - f) <= 1 for m, f in zip(many, few, strict=True)), (few, many)
    assert max(many) < 25


def test_it_counts_every_case_and_pages_them_without_a_cap(client, school, pool, frozen):
    _seed(400, school, pool, restricted_every=0)
    sign_in(client, school["dsl"])
    total = Case.objects.filter(audience__role="dsl").count()
    assert total > 250
    first = client.get(LIST)
    assert f"1–50 of {total}" in first.content.decode()
    assert len(first.context["page"].rows) == 50
    pages = -(-total // 50)
    last = client.get(LIST + f"?page={pages}")
    assert f"{(pages - 1) * 50 + 1}–{total} of {total}" in last.content.decode()
    beyond = client.get(LIST + f"?page={pages + 1}")
    assert beyond.status_code == 400 and f"There is no page {pages + 1}" in beyond.content.decode()
    for bad in ("abc", "0", "-1"):
        response = client.get(LIST + f"?page={bad}")
        assert response.status_code == 400 and "Page:" in response.content.decode()


def test_it_filters_by_status_category_urgency_year_person_and_dates(client, school, pool, frozen):
    _seed(300, school, pool, restricted_every=0)
    sign_in(client, school["dsl"])
    visible = Case.objects.filter(audience__role="dsl")

    def total(query):
        response = client.get(LIST + query)
        assert response.status_code == 200, query
        return response.context["page"].total

    assert total("") == visible.count()
    assert total("?status=new") == visible.filter(state="new").count()
    assert total("?state=new") == visible.filter(state="new").count()  # the home page's link
    assert (
        total("?category=pupil_cyberbullying")
        == visible.filter(category="pupil_cyberbullying").count()
    )
    assert total("?urgency=urgent") == visible.filter(urgent=True).count() > 0
    handler = school["dsl"].person.external_id
    assert total(f"?handler={handler}") == visible.exclude(state="new").count()
    child = pool[0]
    with_child = visible.filter(parties__person=child).distinct().count()
    assert total(f"?person={child.external_id}") == with_child > 0
    assert total(f"?person={child.family_name}") == with_child
    year = visible.filter(parties__person__year_group="Year 9").distinct().count()
    assert total("?year_group=Year+9") == year > 0
    in_2024 = visible.filter(created_at__year=2024).count()
    assert total("?date_from=2024-01-01&date_to=2024-12-31") == in_2024 > 0
    overdue = total("?due=overdue")
    assert 0 < overdue < visible.exclude(state="closed").count() + 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=lost", "lost is not one of"),
        ("category=nope", "nope is not one of"),
        ("date_from=2026-02-30", "Enter a real date"),
        ("date_from=2026-03-02&date_to=2026-03-01", "on or after the start date"),
        ("handler=nobody", "No one who handles cases"),
        ("sort=size", "size is not one of"),
        ("due=yesterday", "yesterday is not one of"),
    ],
)
def test_it_refuses_a_bad_filter_naming_it(client, school, query, field):
    sign_in(client, school["dsl"])
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert field in response.content.decode()


def test_it_puts_urgent_unacknowledged_cases_first_and_sorts(client, school, pool, frozen):
    _seed(120, school, pool, restricted_every=0, urgent_every=6)
    sign_in(client, school["dsl"])
    response = client.get(LIST)
    rows = response.context["page"].rows
    urgent = Case.objects.filter(audience__role="dsl", urgent=True).exclude(state="closed").count()
    assert urgent and all(r["urgent"] for r in rows[:urgent]) and not rows[urgent]["urgent"]
    assert ">Urgent</strong>" in response.content.decode()
    by_reference = [
        r["reference"] for r in client.get(LIST + "?sort=reference").context["page"].rows
    ]
    assert by_reference == sorted(by_reference)
    due = [r["next_due"] for r in client.get(LIST + "?sort=due").context["page"].rows]
    dated = [d for d in due if d is not None]
    assert dated == sorted(dated) and due[: len(dated)] == dated
    oldest = client.get(LIST + "?sort=oldest").context["page"].rows[0]["case"]
    assert (
        oldest.created_at
        == Case.objects.filter(audience__role="dsl").order_by("created_at")[0].created_at
    )


def test_it_shows_people_handler_and_next_due_on_each_row(client, school, pool, frozen):
    _seed(10, school, pool, restricted_every=0, urgent_every=0)
    sign_in(client, school["dsl"])
    page = client.get(LIST + "?sort=reference").content.decode()
    case = Case.objects.filter(audience__role="dsl").order_by("reference").first()
    for party in case.parties.all():
        assert party.label in page
    assert school["dsl"].person.display_name in page or case.state == "new"


@pytest.mark.clause("PRIN-a")
def test_it_never_lists_or_counts_a_case_naming_the_viewer(client, school, pool, frozen, report):
    _seed(20, school, pool, restricted_every=0)
    named = report(parties=[{"part": "witness", "person": school["dsl"].person}])
    sign_in(client, school["dsl"])
    response = client.get(LIST + "?page=1")
    assert named.reference not in response.content.decode()
    assert response.context["page"].total == Case.objects.filter(audience__role="dsl").count() - 1
    by_person = client.get(LIST + f"?person={school['dsl'].person.external_id}")
    assert by_person.context["page"].total == 0


@pytest.mark.clause("SLT-5")
def test_it_does_not_count_a_restricted_case_for_the_deputy(client, school, pool, frozen):
    _seed(100, school, pool, restricted_every=10, urgent_every=0)
    restricted = Case.objects.filter(restricted=True)
    assert restricted.exists()
    sign_in(client, school["deputy_dsl"])
    page = client.get(LIST).context["page"]
    assert page.total == Case.objects.filter(audience__role="deputy_dsl").count()
    routed_to_deputy = [c.id for c in get_pack().categories.values() if "deputy_dsl" in c.route]
    assert restricted.filter(category__in=routed_to_deputy).exists()
    assert not Case.objects.filter(audience__role="deputy_dsl", restricted=True).exists()
    report = client.get(reverse("casework:governors_report")).context["report"]
    assert report["totals"]["reported"] == page.total


def test_it_audits_each_page_with_its_references_and_filters_without_names(
    client, school, pool, frozen
):
    _seed(60, school, pool)
    sign_in(client, school["dsl"])
    client.get(LIST + f"?person={pool[0].family_name}&page=1")
    event = AuditEvent.objects.filter(action="view_list", object_id="case list").latest("id")
    assert event.detail["filters"]["person_matches"] == [pool[0].external_id]
    assert pool[0].family_name not in json.dumps(event.detail)


def _cli(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("cases", "list", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_it_lists_cases_on_the_command_line_with_the_same_filters(school, pool, frozen):
    _seed(120, school, pool, restricted_every=0)
    code, out, _ = _cli("--as", "dsl", "--status", "new", "--format", "json", "--limit", "500")
    assert code == 0
    result = json.loads(out)
    assert result["total"] == Case.objects.filter(audience__role="dsl", state="new").count()
    assert {c["status"] for c in result["cases"]} == {"new"} and len(result["cases"]) == result[
        "total"
    ]
    code, out, _ = _cli("--as", "dsl", "--urgent", "--person", pool[0].external_id)
    assert code == 0 and "case" in out.splitlines()[0]
    assert AuditEvent.objects.filter(action="view_list", detail__via="cli").count() == 2


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--from", "2026-13-01"], 2, "--from: Enter a real date"),
        (["--status", "lost"], 2, "--status: lost is not one of"),
        (["--handler", "nobody"], 2, "--handler:"),
        (["--limit", "0"], 2, "--limit:"),
        (["--page", "99"], 2, "--page: There is no page 99"),
    ],
)
def test_it_refuses_a_bad_command_line_filter_naming_the_option(school, args, code, message):
    result = _cli("--as", "dsl", *args)
    assert result[0] == code and message in result[2] and len(result[2].strip().splitlines()) == 1


def test_it_refuses_the_command_line_list_to_someone_who_does_not_handle_cases(school):
    code, out, _ = _cli("--as", "teacher", "--format", "json")
    assert code == 1 and "does not handle cases" in json.loads(out)["error"]
    assert _cli("--as", "ghost")[0] == 2


@pytest.mark.clause("PRIN-a")
def test_it_gives_the_command_line_the_same_need_to_know(school, pool, frozen, report):
    named = report(parties=[{"part": "victim", "person": school["dsl"].person}])
    code, out, _ = _cli("--as", "dsl", "--format", "json", "--limit", "1000")
    assert code == 0 and named.reference not in out


def test_it_downloads_a_governors_report_with_no_names_or_references(client, school, pool, frozen):
    _seed(80, school, pool)
    sign_in(client, school["deputy_dsl"])
    page = client.get(reverse("casework:governors_report") + "?date_from=2022-01-01")
    body = page.content.decode()
    assert page.status_code == 200 and "Median" in body
    assert "SC-0000" not in body and pool[0].family_name not in body
    triage = page.context["report"]["triage"]
    assert triage.triaged and 1 <= triage.median_hours <= 48 and 1 <= triage.average_hours <= 48
    pdf = client.get(reverse("casework:governors_report_pdf") + "?date_from=2022-01-01")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="case.governors_report").exists()
    bad = client.get(reverse("casework:governors_report_pdf") + "?date_to=soon")
    assert bad.status_code == 400 and "Enter a real date" in bad.content.decode()
    sign_in(client, school["teacher"])
    assert client.get(reverse("casework:governors_report_pdf")).status_code == 403


def test_it_narrows_the_dashboard_by_dates_and_year_group(client, school, pool, frozen):
    _seed(90, school, pool, restricted_every=0)
    sign_in(client, school["dsl"])
    whole = client.get(reverse("casework:dashboard"))
    year = client.get(reverse("casework:dashboard") + "?year_group=Year+9&date_to=2026-06-30")
    assert whole.status_code == year.status_code == 200
    total = sum(b["value"] for b in whole.context["open_chart"]["bars"])
    narrowed = sum(b["value"] for b in year.context["open_chart"]["bars"])
    assert total == Case.objects.filter(audience__role="dsl").exclude(state="closed").count()
    assert narrowed < total
    assert year.context["month_chart"]["bars"][-1]["label"] == "Jun 2026"
    assert client.get(reverse("casework:dashboard") + "?date_from=nope").status_code == 400
    assert CaseParty.objects.exists()


@pytest.mark.parametrize("role", ["anonymous"] + sorted(get_pack().account_roles()))
def test_it_lets_only_the_handlers_open_the_list_dashboard_and_governors_report(
    client, make_user, role
):
    from tests.casework.access import HANDLERS

    if role != "anonymous":
        sign_in(client, make_user(role))
    for name in ("case_list", "dashboard", "governors_report", "governors_report_pdf"):
        response = client.get(reverse(f"casework:{name}"))
        allowed = role in HANDLERS
        assert (response.status_code == 200) == allowed, (name, role, response.status_code)
        assert response.status_code in (200, 302, 403)


@pytest.mark.parametrize(
    "page", [LIST, reverse("casework:dashboard"), reverse("casework:governors_report")]
)
def test_a_date_beyond_the_calendar_is_refused_naming_the_field(client, school, page):
    sign_in(client, school["dsl"])
    for value in ("9999-12-31", "0001-01-01"):
        response = client.get(page, {"date_to": value})
        assert response.status_code == 400, (page, value)
        assert "between 1900 and 2999" in response.content.decode()
