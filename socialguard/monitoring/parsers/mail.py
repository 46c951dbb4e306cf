"""Mail server logs: Postfix (syslog) and Exim (mainlog)."""

import re
from datetime import UTC, datetime

from socialguard import clock

from . import Event, Malformed, iso, who

_SYSLOG = re.compile(r"^(\w{3} +\d+ \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?) (\S+) postfix(?:-\w+)?/[\w/-]+\[\d+\]: (.*)$")  # fmt: skip
_ADDR = re.compile(r"\b(from|to|sasl_username)=<?([^>,\s]*)>?")
_SUBJECT = re.compile(r"header Subject: (.*?) from \S+;")
_EXIM = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: [+-]\d{4})? (.*)$")


def _syslog_time(stamp: str) -> datetime:
    if "T" in stamp:
        return iso(stamp.replace("Z", "+00:00"))
    try:
        moment = datetime.strptime(f"{clock.now().year} {' '.join(stamp.split())}", "%Y %b %d %H:%M:%S")
    except ValueError as exc:
        raise Malformed("bad syslog time") from exc
    return moment.replace(tzinfo=UTC)


def postfix(line: str) -> Event:
    m = _SYSLOG.match(line)
    if not m:
        raise Malformed("not a Postfix syslog line")
    stamp, _host, message = m.groups()
    addrs = dict((k, v) for k, v in _ADDR.findall(message))
    subject = _SUBJECT.search(message)
    targets = (subject.group(1),) if subject else ()
    sender = addrs.get("sasl_username") or addrs.get("from", "")
    kind = "email" if "@" in sender else "username"
    return Event(_syslog_time(stamp), who((kind, sender)), targets, "")


def exim(line: str) -> Event:
    m = _EXIM.match(line)
    if not m:
        raise Malformed("not an Exim mainlog line")
    moment = iso(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")
    rest = m.group(2)
    sender, targets = "", ()
    arrival = re.match(r"^\S+ <= (\S+)", rest)
    if arrival:
        sender = arrival.group(1)
        subject = re.search(r' T="((?:[^"\\]|\\.)*)"', rest)
        targets = (subject.group(1),) if subject else ()
    else:
        set_id = re.search(r"\(set_id=([^)]+)\)", rest)
        sender = set_id.group(1) if set_id else ""
    kind = "email" if "@" in sender else "username"
    return Event(moment, who((kind, sender)), targets, "")
