"""The publishing app's tables of the policy pack, `[publishing]` and `[school_contacts]`, read and checked.

[publishing]
readability_target     Flesch reading-ease score a post should reach (PRIN-g)
max_text_characters    the longest post text accepted
max_images             the most images on one post
officer_role           the role that may approve and publish (PAR-6)
training_kind          the training an officer must hold, in date (PAR-6)
website_review_roles   roles sent the weekly list of overdue website reviews (WEB-2)

[school_contacts]      the school's own phone, email, address and postcode (never personal data)
"""

from dataclasses import dataclass

from socialguard.policy.pack import ROLE_IDS, get_pack


class PublishingPackError(ValueError):
    pass


@dataclass(frozen=True)
class PublishingSettings:
    readability_target: float
    max_text_characters: int
    max_images: int
    officer_role: str
    training_kind: str
    website_review_roles: tuple[str, ...]
    school_names: tuple[str, ...]
    school_contacts: tuple[str, ...]
    approval_hours: int
    reminder_before_hours: int
    newsletter_name: str


def _problems(data: dict) -> list[str]:
    table = data.get("publishing")
    if not isinstance(table, dict):
        return ["publishing: missing table (readability target and who may publish)"]
    problems = []
    target = table.get("readability_target")
    if not isinstance(target, (int, float)) or not 0 <= target <= 100:
        problems.append("publishing.readability_target: must be a number from 0 to 100")
    for key in ("max_text_characters", "max_images"):
        if not isinstance(table.get(key), int) or table[key] < 1:
            problems.append(f"publishing.{key}: must be a whole number above 0")
    for key in ("officer_role", "training_kind"):
        if not isinstance(table.get(key), str) or not table[key]:
            problems.append(f"publishing.{key}: must be non-empty text")
    if table.get("officer_role") and table["officer_role"] not in ROLE_IDS:
        problems.append(f"publishing.officer_role: unknown role {table['officer_role']!r}")
    roles = table.get("website_review_roles")
    if not isinstance(roles, list) or not roles or any(r not in ROLE_IDS for r in roles):
        problems.append("publishing.website_review_roles: must be a non-empty list of role IDs")
    contacts = data.get("school_contacts", {})
    if not isinstance(contacts, dict) or any(not isinstance(v, str) for v in contacts.values()):
        problems.append("school_contacts: must be a table of text values")
    return problems


def publishing_pack() -> PublishingSettings:
    pack = get_pack()
    data = pack.data
    problems = _problems(data)
    if problems:
        raise PublishingPackError("; ".join(problems))
    table = data["publishing"]
    school = data.get("school", {})
    names = tuple(n for n in (school.get("name"), school.get("short_name")) if n)
    contacts = [v for v in data.get("school_contacts", {}).values() if v.strip()]
    office = data.get("contact_office", {})
    contacts += [office[k] for k in ("phone", "office_email") if isinstance(office.get(k), str)]
    return PublishingSettings(
        readability_target=float(table["readability_target"]),
        max_text_characters=table["max_text_characters"],
        max_images=table["max_images"],
        officer_role=table["officer_role"],
        training_kind=table["training_kind"],
        website_review_roles=tuple(table["website_review_roles"]),
        school_names=names,
        school_contacts=tuple(dict.fromkeys(contacts)),
        approval_hours=pack.deadline_hours("approval"),
        reminder_before_hours=pack.deadline_hours("reminder_before"),
        newsletter_name=school.get("newsletter_name") or "Newsletter",
    )
