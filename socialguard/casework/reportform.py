"""The report forms' words from the pack's `[report_form]` table: the "immediate danger" line at
the top, and the headings the categories are grouped under (each category's `plain_label`,
`hint` and `group` are read by the pack loader itself)."""

from dataclasses import dataclass

# Imported lazily by socialguard.policy.pack (a section validator): nothing here may import the
# pack at module level.


@dataclass(frozen=True)
class CategoryGroup:
    label: str
    choices: tuple  # ((id, plain_label, hint), ...)


def validate_report_form(data: dict) -> list[str]:
    """Every problem in `[report_form]`, each naming its key."""
    table = data.get("report_form")
    if not isinstance(table, dict):
        return ["report_form: missing table (danger, groups)"]
    problems = []
    danger = table.get("danger")
    if not isinstance(danger, str) or not danger.strip():
        problems.append("report_form.danger: missing (the 'immediate danger? Call 999' line)")
    groups = table.get("groups")
    if (
        not isinstance(groups, list)
        or not groups
        or not all(isinstance(g, str) and g.strip() for g in groups)
    ):
        problems.append("report_form.groups: must be a non-empty list of headings")
        return problems
    if len(set(groups)) != len(groups):
        problems.append("report_form.groups: a heading is listed twice")
    for i, category in enumerate(data.get("categories", [])):
        group = category.get("group") if isinstance(category, dict) else None
        if isinstance(group, str) and group and group not in groups:
            problems.append(
                f"categories[{i}].group: {group!r} is not one of the headings in report_form.groups"
            )
    used = {c.get("group") for c in data.get("categories", []) if isinstance(c, dict)}
    for j, group in enumerate(groups):
        if group not in used:
            problems.append(f"report_form.groups[{j}]: no category is in {group!r}")
    return problems


def danger_text() -> str:
    from socialguard.policy.pack import get_pack

    return get_pack().data["report_form"]["danger"]


def category_groups(categories=None) -> list[CategoryGroup]:
    """The categories in plain words under their headings, in the pack's order."""
    from socialguard.policy.pack import get_pack

    pack = get_pack()
    categories = pack.categories.values() if categories is None else categories
    return [
        CategoryGroup(
            label=heading,
            choices=tuple((c.id, c.plain_label, c.hint) for c in categories if c.group == heading),
        )
        for heading in pack.data["report_form"]["groups"]
    ]
