"""What each app adds to the shell: navigation entries and the "what to do next" items on home."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    capability: str
    order: int = 50


@dataclass(frozen=True)
class HomeItem:
    """One thing a person should do next, shown on their home page."""

    title: str
    url: str
    description: str = ""
    urgent: bool = False
    count: int | None = None


NAV: list[NavEntry] = []
HOME_PROVIDERS: list[Callable] = []


def register_nav(label: str, url_name: str, capability: str, order: int = 50) -> None:
    if not any(e.url_name == url_name for e in NAV):
        NAV.append(NavEntry(label, url_name, capability, order))
        NAV.sort(key=lambda e: e.order)


def register_home(provider: Callable) -> Callable:
    """`provider(request) -> list[HomeItem]`; used as a decorator."""
    if provider not in HOME_PROVIDERS:
        HOME_PROVIDERS.append(provider)
    return provider
