"""Who may do what with declarations, exceptions and training records.

Declarations are not a surveillance tool: answers are seen only by the person, the Headteacher and
the person's own line manager. Nobody else, whatever their role (a DSL, the DPL), gets past a 404.
"""

from socialguard.people.permissions import (
    register_capability,
    register_object_rule,
    user_person,
    user_roles,
)

from .packdata import declarations_pack

_config = declarations_pack()

register_capability("declarations.declare", _config.declarer_roles)
register_capability("declarations.overview", frozenset({"headteacher"}))
register_capability("declarations.exceptions", "*")
register_capability("declarations.exceptions.decide", frozenset(_config.approver_roles))
register_capability(
    "declarations.training",
    frozenset(role for kind in _config.training_kinds.values() for role in kind.recorded_by),
)


def can_see_declarations_of(user, person) -> bool:
    me = user_person(user)
    if me is None:
        return False
    return (
        me.pk == person.pk or "headteacher" in user_roles(user) or person.line_manager_id == me.pk
    )


def can_view_declaration(user, declaration) -> bool:
    return can_see_declarations_of(user, declaration.person)


def can_view_exception(user, exception) -> bool:
    me = user_person(user)
    if me is None:
        return False
    return me.pk == exception.requester_id or bool(
        user_roles(user) & set(declarations_pack().approver_roles)
    )


def can_view_training_record(user, record) -> bool:
    me = user_person(user)
    if me is None:
        return False
    roles = user_roles(user)
    return me.pk == record.person_id or bool(
        roles & {r for k in declarations_pack().training_kinds.values() for r in k.recorded_by}
    )


register_object_rule("declarations.declaration", can_view_declaration)
register_object_rule("declarations.exceptionrequest", can_view_exception)
register_object_rule("declarations.trainingrecord", can_view_training_record)
