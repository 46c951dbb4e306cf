"""Log parsers: one function per source, `parse(line: str) -> Event`; raise Malformed when the line
is not that source's format. Parsers never touch the database."""

from datetime import UTC, datetime
from typing import NamedTuple


class Malformed(ValueError):
    pass


class Event(NamedTuple):
    time: datetime
    who: tuple  # ((kind, value), ...) kinds: username, email, device, ip
    targets: tuple  # URLs, search terms, subjects, file names
    host: str = ""  # a domain to check against the domain lists


def epoch(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise Malformed("bad timestamp") from exc


def iso(value: str, fmt: str | None = None) -> datetime:
    try:
        moment = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Malformed("bad timestamp") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def who(*pairs) -> tuple:
    return tuple((k, v.strip().lower()) for k, v in pairs if v and v.strip() and v.strip() != "-")


def parsers() -> dict:
    from . import cloud, mail, web

    return {
        "squid": web.squid,
        "squid-extended": web.squid_extended,
        "umbrella": web.umbrella,
        "zscaler": web.zscaler,
        "fortigate": web.fortigate,
        "sophos": web.sophos,
        "google-workspace": cloud.google_workspace,
        "m365": cloud.m365,
        "postfix": mail.postfix,
        "exim": mail.exim,
    }
