"""Cloud audit logs as JSON lines: Google Workspace Admin SDK Reports activities, Microsoft 365
unified audit log records."""

from . import Event, Malformed, iso, who
from .web import _json_object, host_of

_GWS_TARGETS = frozenset(
    {"doc_title", "url", "URL", "search_query", "query", "file_name", "subject", "blocked_url"}
)


def google_workspace(line: str) -> Event:
    """One `admin#reports#activity` (login, drive, chrome...) per line, as the Reports API
    `activities.list` items (exports write them one per line)."""
    data = _json_object(line)
    ident = data.get("id")
    if not isinstance(ident, dict) or "time" not in ident:
        raise Malformed("no Reports API id.time")
    moment = iso(str(ident["time"]).replace("Z", "+00:00"))
    actor = data.get("actor") if isinstance(data.get("actor"), dict) else {}
    targets, host = [], ""
    for event in data.get("events") or []:
        if not isinstance(event, dict):
            continue
        for param in event.get("parameters") or []:
            if isinstance(param, dict) and param.get("name") in _GWS_TARGETS:
                value = str(param.get("value", ""))
                targets.append(value)
                if "://" in value:
                    host = host or host_of(value)
    return Event(moment, who(("email", str(actor.get("email", ""))),
                             ("ip", str(data.get("ipAddress", "")))), tuple(targets), host)  # fmt: skip


def m365(line: str) -> Event:
    """One unified audit log record (CreationTime, UserId, Operation, ObjectId...) per line."""
    data = _json_object(line)
    if "CreationTime" not in data or "Operation" not in data:
        raise Malformed("no CreationTime/Operation")
    moment = iso(str(data["CreationTime"]).replace("Z", "+00:00"))
    targets = [
        str(data[k]) for k in ("ObjectId", "SourceFileName", "Subject", "SiteUrl") if data.get(k)
    ]
    item = data.get("Item")
    if isinstance(item, dict) and item.get("Subject"):
        targets.append(str(item["Subject"]))
    for folder in data.get("Folders") or []:
        for it in (folder.get("FolderItems") or []) if isinstance(folder, dict) else []:
            if isinstance(it, dict) and it.get("Subject"):
                targets.append(str(it["Subject"]))
    user = str(data.get("UserId", ""))
    kind = "email" if "@" in user else "username"
    url = next((t for t in targets if "://" in t), "")
    return Event(moment, who((kind, user), ("ip", str(data.get("ClientIP", "")))),
                 tuple(targets), host_of(url) if url else "")  # fmt: skip
