"""Every risk in the policy's Risks list is a concern category with its own route (RISK-1..14)."""

import pytest

from socialguard.policy.pack import get_pack

CATEGORIES = [c for c in get_pack().categories.values() if c.clause.startswith("RISK-")]


@pytest.mark.parametrize(
    "category", [pytest.param(c, id=c.id, marks=pytest.mark.clause(c.clause)) for c in CATEGORIES]
)
def test_it_routes_each_risk_to_the_first_role_of_its_route(school, report, category):
    case = report(category=category.id)
    roles = [r.role for r in case.recipients.all()]
    assert roles and roles[0] == category.route[0]
    assert set(roles) <= set(category.route)


def test_every_risk_of_the_policy_has_a_category():
    risks = {c for c in get_pack().clauses if c.startswith("RISK-")}
    assert {c.clause for c in CATEGORIES} == risks


@pytest.mark.clause("PRIN-e")
def test_it_sends_safeguarding_concerns_to_the_safeguarding_leads(school, report):
    for category in (c for c in get_pack().categories.values() if c.safeguarding):
        case = report(category=category.id)
        assert {r.role for r in case.recipients.all()} & {"dsl", "deputy_dsl"}, category.id
