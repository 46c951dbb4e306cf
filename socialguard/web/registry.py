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
    banner: bool = False  # shown as a red banner at the top of home (urgent concerns)


NAV: list[NavEntry] = []

# The few pages everyone uses most stay in the header; the rest are one click away on "All tasks",
# grouped by area of the policy, so a busy teacher is not faced with twenty links.
PRIMARY = (
    "policy",
    "casework:report",
    "casework:case_list",
    "publishing:draft_list",
    "contact_check",
)
SECTIONS = (
    ("policy", "The policy"),
    ("casework:", "Concerns and cases"),
    ("publishing:", "Official social media and the website"),
    ("contact_", "Contacting parents and pupils"),
    ("consent_", "Images and consent"),
    ("declaration", "Personal use of social media"),
    ("exception", "Personal use of social media"),
    ("training", "Training"),
    ("monitoring:", "Lawful monitoring"),
    ("people", "People"),
    ("audit", "Audit trail"),
)


def section_of(url_name: str) -> str:
    return next((label for prefix, label in SECTIONS if url_name.startswith(prefix)), "Other")


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
