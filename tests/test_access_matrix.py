"""Every role against every URL: authorisation is decided in one place and proven here."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from socialguard.policy.pack import get_pack
from tests.conftest import sign_in

ACCOUNT_ROLES = sorted(get_pack().account_roles())


def _entries():
    entries, builders = {}, []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{module_info.name}.access")
        except ModuleNotFoundError:
            continue
        entries.update(module.ENTRIES)
        if hasattr(module, "build_world"):
            builders.append(module.build_world)
    return entries, builders


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}{pattern.name}")
    return names


ENTRIES, BUILDERS = _entries()


def test_every_url_has_an_entry_in_the_matrix():
    missing = sorted(set(_url_names()) - set(ENTRIES))
    assert not missing, f"URL patterns without an access-matrix entry: {missing}"


@pytest.fixture
def world(make_person, make_user):
    merged = {}
    for build in BUILDERS:
        merged.update(build(make_person, make_user) or {})
    return merged


def _expected(allowed, role):
    if allowed == "public":
        return True
    if role == "anonymous":
        return False
    return allowed == "*" or role in allowed


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("role", ["anonymous"] + ACCOUNT_ROLES)
def test_each_role_sees_exactly_what_it_may(client, make_user, world, role):
    if role != "anonymous":
        sign_in(client, make_user(role))
    wrong = []
    for name, (allowed, kwargs, *method) in sorted(ENTRIES.items()):
        url = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)
        if method == ["post"]:
            response = client.post(url, data="{}", content_type="application/json")
        else:
            response = client.get(url)
        status = response.status_code
        denied = status in (401, 403, 404) or (
            status == 302 and "/account/sign-in/" in response.get("Location", "")
        )
        if _expected(allowed, role) == denied:
            wrong.append(f"{name} {url} -> {status}")
        assert status != 500, f"{name} {url} gave a server error"
    assert not wrong, f"{role}: " + "; ".join(wrong)
