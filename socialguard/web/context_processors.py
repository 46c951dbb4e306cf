from django.urls import NoReverseMatch, reverse

from socialguard.people.permissions import has_capability
from socialguard.policy.pack import get_pack

from .registry import NAV


def shell(request):
    pack = get_pack()
    items = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items.append(
            {"label": "Home", "url": reverse("home"), "active": request.path == reverse("home")}
        )
        for entry in NAV:
            if not has_capability(user, entry.capability):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": entry.label, "url": url, "active": request.path.startswith(url)})
    return {
        "school_name": pack.school_name,
        "school_motto": pack.school["motto"],
        "nav_items": items,
    }
