"""Every risk in the policy's Risks list is a concern category with its own route (RISK-1..14)."""

import pytest

from socialguard.policy.pack import get_pack

CATEGORIES = [c for c in get_pack().categories.values() if c.clause.startswith("RISK-")]


# policy-trace reads clause marks from the source, so the fourteen are written out here; the
# test below proves each has its category, and each parametrised case routes one of them.
@pytest.mark.clause("RISK-1", "RISK-2", "RISK-3", "RISK-4", "RISK-5", "RISK-6", "RISK-7")
@pytest.mark.clause("RISK-8", "RISK-9", "RISK-10", "RISK-11", "RISK-12", "RISK-13", "RISK-14")
@pytest.mark.parametrize("category", [pytest.param(c, id=f"{c.clause}-{c.id}") for c in CATEGORIES])
def test_it_routes_each_risk_to_the_first_role_of_its_route(school, report, category):
    case = report(category=category.id)
    roles = [r.role for r in case.recipients.all()]
    assert roles and roles[0] == category.route[0]
    assert set(roles) <= set(category.route)


def test_every_risk_of_the_policy_has_a_category():
    risks = {c for c in get_pack().clauses if c.startswith("RISK-")}
    assert {c.clause for c in CATEGORIES} == risks == {f"RISK-{n}" for n in range(1, 15)}


@pytest.mark.clause("PRIN-e")
def test_it_sends_safeguarding_concerns_to_the_safeguarding_leads(school, report):
    for category in (c for c in get_pack().categories.values() if c.safeguarding):
        case = report(category=category.id)
        assert {r.role for r in case.recipients.all()} & {"dsl", "deputy_dsl"}, category.id
