"""Web filter and proxy logs: Squid (native and combined), Umbrella, Zscaler, FortiGate, Sophos."""

import csv
import json
import re

from . import Event, Malformed, epoch, iso, who

_SQUID_STATUS = re.compile(r"^[A-Z_]+/\d{3}$")
_METHODS = frozenset(
    "GET POST PUT HEAD CONNECT DELETE OPTIONS PATCH TRACE PROPFIND ICP_QUERY NONE".split()
)
_KV = re.compile(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)')


def host_of(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else url
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def squid(line: str) -> Event:
    """Squid native: time elapsed client code/status bytes method URL user hierarchy/peer type."""
    f = line.split()
    if len(f) < 7 or not _SQUID_STATUS.match(f[3]) or f[5] not in _METHODS:
        raise Malformed("not a Squid native line")
    user = f[7] if len(f) > 7 else "-"
    return Event(epoch(f[0]), who(("username", user), ("ip", f[2])), (f[6],), host_of(f[6]))


def squid_extended(line: str) -> Event:
    """Squid combined (Apache-style) log, or the extended native layout with extra columns."""
    m = re.match(
        r'^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) \S+(?: "([^"]*)")?', line
    )
    if m:
        ip, user, stamp, method, url, _status, _ref = m.groups()
        moment = iso(stamp, "%d/%b/%Y:%H:%M:%S %z")
        return Event(moment, who(("username", user), ("ip", ip)), (url,), host_of(url))
    f = line.split()
    if len(f) >= 12 and _SQUID_STATUS.match(f[4]) and f[10] in _METHODS:
        return Event(epoch(f[0]), who(("username", f[13] if len(f) > 13 else "-"), ("ip", f[2])),
                     (f[11],), host_of(f[11]))  # fmt: skip
    raise Malformed("not a Squid combined or extended line")


def umbrella(line: str) -> Event:
    """Cisco Umbrella S3 export: proxy logs (URL in column 8) or DNS logs (domain in column 9)."""
    try:
        row = next(csv.reader([line], skipinitialspace=True))
    except (csv.Error, StopIteration) as exc:
        raise Malformed("not CSV") from exc
    if len(row) < 9:
        raise Malformed("too few Umbrella columns")
    moment = iso(row[0], "%Y-%m-%d %H:%M:%S")
    if "://" in row[7] or row[7].startswith("/"):
        url = row[7]
        return Event(moment, who(("device", row[1]), ("ip", row[2])), (url,), host_of(url))
    domain = row[8].rstrip(".").lower()
    return Event(moment, who(("device", row[1]), ("ip", row[3])), (domain,), domain)


def _json_object(line: str) -> dict:
    if line.count("{") + line.count("[") > 200:
        raise Malformed("JSON nested or repeated too deeply")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise Malformed("not JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("not a JSON object")
    return data


def zscaler(line: str) -> Event:
    """Zscaler ZIA NSS web log as JSON (`{"sourcetype": ..., "event": {...}}` or the bare event)."""
    data = _json_object(line)
    event = data.get("event", data)
    if not isinstance(event, dict) or "eurl" not in event and "url" not in event:
        raise Malformed("no Zscaler URL field")
    url = str(event.get("eurl") or event.get("url"))
    moment = iso(str(event.get("time", "")), "%a %b %d %H:%M:%S %Y")
    login = str(event.get("login", ""))
    kind = "email" if "@" in login else "username"
    return Event(moment, who((kind, login), ("ip", str(event.get("cip", "")))), (url,), host_of(url))


def key_values(line: str) -> dict:
    body = line.split(": ", 1)[1] if re.match(r"^<\d+>|^\w{3} +\d", line) and ": " in line else line
    pairs = {k: v[1:-1] if v.startswith('"') else v for k, v in _KV.findall(body)}
    if len(pairs) < 3:
        raise Malformed("not key=value")
    return pairs


def fortigate(line: str) -> Event:
    """FortiGate FortiOS web filter log (type="utm" subtype="webfilter"): key=value syslog."""
    kv = key_values(line)
    if "date" not in kv or "time" not in kv or ("hostname" not in kv and "url" not in kv):
        raise Malformed("no FortiGate date/time/hostname")
    moment = iso(f"{kv['date']} {kv['time']}", "%Y-%m-%d %H:%M:%S")
    host = kv.get("hostname", "").lower()
    url = kv.get("url", "")
    target = url if "://" in url else f"http://{host}{url}"
    return Event(moment, who(("username", kv.get("user", "")), ("ip", kv.get("srcip", ""))),
                 (target,), host or host_of(url))  # fmt: skip


def sophos(line: str) -> Event:
    """Sophos XG / SFOS web filter log (log_type="Content Filtering"): key=value syslog."""
    kv = key_values(line)
    if "date" not in kv or "time" not in kv or "url" not in kv and "domain" not in kv:
        raise Malformed("no Sophos date/time/url")
    moment = iso(f"{kv['date']} {kv['time']}", "%Y-%m-%d %H:%M:%S")
    url = kv.get("url") or kv.get("domain", "")
    return Event(moment, who(("username", kv.get("user_name", "")), ("ip", kv.get("src_ip", ""))),
                 (url,), kv.get("domain", "").lower() or host_of(url))  # fmt: skip
