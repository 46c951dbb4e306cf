"""The contact app's own table of the policy pack, `[contact_office]`, read and checked.

phone                          the school office line given to parents (PAR-5, OFF-4)
office_email                   told when a school mobile is not back after its trip
told_about_unreturned_phones   roles told on their home page and by email
manage_trips                   roles who keep the phone register and manage every trip
grant_withheld_number          roles who may grant a withheld-number permission (PAR-5)
oversee_parent_messages        roles who see every parent message
"""

from dataclasses import dataclass

from socialguard.policy.pack import ROLE_IDS, get_pack

_ROLE_LISTS = (
    "told_about_unreturned_phones",
    "manage_trips",
    "grant_withheld_number",
    "oversee_parent_messages",
)


class ContactPackError(ValueError):
    pass


@dataclass(frozen=True)
class OfficeSettings:
    phone: str
    office_email: str
    told_about_unreturned_phones: frozenset[str]
    manage_trips: frozenset[str]
    grant_withheld_number: frozenset[str]
    oversee_parent_messages: frozenset[str]


def validate_contact_office(data: dict) -> list[str]:
    table = data.get("contact_office")
    if not isinstance(table, dict):
        return ["contact_office: missing table (the school office line and who manages trips)"]
    problems = []
    for key in ("phone", "office_email"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            problems.append(f"contact_office.{key}: must be non-empty text")
    for key in _ROLE_LISTS:
        value = table.get(key)
        if not isinstance(value, list) or not value:
            problems.append(f"contact_office.{key}: must be a non-empty list of role IDs")
            continue
        for i, role in enumerate(value):
            if role not in ROLE_IDS:
                problems.append(f"contact_office.{key}[{i}]: unknown role {role!r}")
    return problems


def office_settings(pack=None) -> OfficeSettings:
    data = (pack or get_pack()).data
    problems = validate_contact_office(data)
    if problems:
        raise ContactPackError("\n".join(problems))
    table = data["contact_office"]
    return OfficeSettings(
        phone=table["phone"],
        office_email=table["office_email"],
        **{key: frozenset(table[key]) for key in _ROLE_LISTS},
    )
