from django.urls import NoReverseMatch, reverse

from socialguard.people.permissions import has_capability
from socialguard.policy.pack import get_pack

from .registry import NAV, PRIMARY, section_of


def nav_entries_for(user) -> list[dict]:
    """Every page the user may open from the navigation, with its section."""
    entries = []
    for entry in NAV:
        if not has_capability(user, entry.capability):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        entries.append(
            {
                "label": entry.label,
                "url": url,
                "url_name": entry.url_name,
                "section": section_of(entry.url_name),
            }
        )
    return entries


def shell(request):
    pack = get_pack()
    items = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        home, menu = reverse("home"), reverse("menu")
        items.append({"label": "Home", "url": home, "active": request.path == home})
        for entry in nav_entries_for(user):
            if entry["url_name"] in PRIMARY:
                items.append(
                    {
                        "label": entry["label"],
                        "url": entry["url"],
                        "active": request.path.startswith(entry["url"]),
                    }
                )
        items.append({"label": "All tasks", "url": menu, "active": request.path == menu})
    return {
        "school_name": pack.school_name,
        "school_motto": pack.school["motto"],
        "nav_items": items,
    }
