"""Need-to-know on the audit trail: nobody sees events about a record they may not see (PRIN-a).

The rules are the records' own (`people.permissions.register_object_rule`), so this app imports
no other. A model with a rule is *restricted*; a model with a foreign key to a restricted one (a
case's parties, actions, custody events, ...) is *dependent* and visible only with its parent.
The trail is filtered in the database (one query, so pagination and counts are right, however
long the trail), then each page is checked again object by object with the predicates
themselves, so a query that drifted from its predicate still leaks nothing. Events about a
restricted or dependent record that no longer exists are hidden: nobody can be shown to need them.
"""

import logging

from django.apps import apps
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from socialguard.people.permissions import object_rules, visible_queryset

from .models import AuditEvent

logger = logging.getLogger("socialguard.audit")
# Keys of an event's detail that name a record by a field other than its id.
DETAIL_REFERENCES = {"case": ("casework.case", "reference")}
LIST_ACTIONS = frozenset({"view_list"})
_FALLBACK_CHUNK = 500


def _parent_links(restricted: set[str]) -> dict[str, list[tuple[str, str]]]:
    """label -> [(foreign key name, parent label)] for every model that hangs off a restricted one."""
    links: dict[str, list[tuple[str, str]]] = {}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            label = model._meta.label_lower
            if label in restricted:
                continue
            found = [
                (f.name, f.related_model._meta.label_lower)
                for f in model._meta.concrete_fields
                if f.is_relation
                and (f.many_to_one or f.one_to_one)
                and f.related_model._meta.label_lower in (restricted | set(links))
                and f.related_model is not model
            ]
            if found and found != links.get(label):
                links[label] = found
                changed = True
    return links


def _reference_field(model) -> str | None:
    names = {f.name for f in model._meta.concrete_fields}
    return "reference" if "reference" in names else None


def _asks(predicate, user, obj) -> bool:
    """A rule that fails answers no: the page loses a row rather than leak one or fail."""
    try:
        return bool(predicate(user, obj))
    except Exception:
        logger.exception("need-to-know rule failed for %s", obj._meta.label_lower)
        return False


def _as_values(model_field, keys) -> list:
    """The keys that are values of this field (an id, a reference), converted; the rest skipped."""
    values = []
    for key in keys:
        try:
            values.append(model_field.to_python(key))
        except Exception:  # ValidationError and friends: not a value of this field
            continue
    return values


class TrailVisibility:
    """What one user may see of the audit trail."""

    def __init__(self, user):
        self.user = user
        self.rules = object_rules()
        self.parents = _parent_links(set(self.rules))
        self._visible: dict[str, object] = {}
        self._computing: set[str] = set()
        self._decided: dict[tuple[str, object], bool] = {}

    def labels(self) -> set[str]:
        return set(self.rules) | set(self.parents)

    # ------------------------------------------------------------ in the database

    def visible(self, label: str):
        """A queryset of the objects of `label` this user may view."""
        if label in self._visible:
            return self._visible[label]
        model = apps.get_model(label)
        self._computing.add(label)
        if label in self.rules:
            queryset = visible_queryset(self.user, label)
            if queryset is None:
                queryset = model._default_manager.filter(pk__in=self._by_predicate(model, label))
        else:
            queryset = model._default_manager.all()
            for name, parent in self.parents[label]:
                if parent in self._computing:  # a loop of foreign keys: the other side decides
                    continue
                queryset = queryset.filter(
                    Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__in": self.visible(parent).values("pk")})
                )
        self._computing.discard(label)
        self._visible[label] = queryset
        return queryset

    def _by_predicate(self, model, label: str) -> list:
        """For a rule with no query: ask the predicate about every object (foreign keys joined)."""
        predicate = self.rules[label]
        related = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
        ]
        objects = model._default_manager.select_related(*related).order_by("pk")
        return [
            obj.pk
            for obj in objects.iterator(chunk_size=_FALLBACK_CHUNK)
            if _asks(predicate, self.user, obj)
        ]

    def restrict(self, events):
        """`events` without those about a record this user may not see."""
        present = set(AuditEvent.objects.values_list("object_type", flat=True).distinct())
        for label in sorted(self.labels() & present):
            keys = (
                self.visible(label)
                .annotate(_audit_key=Cast("pk", output_field=CharField()))
                .values("_audit_key")
            )
            allowed = ~Q(object_type=label) | Q(object_id="") | Q(action__in=LIST_ACTIONS)
            allowed |= Q(object_id__in=keys)
            reference = _reference_field(apps.get_model(label))
            if reference and isinstance(
                apps.get_model(label)._meta.get_field(reference), CharField
            ):  # an event may name the record by its reference ("SG-2026-0042")
                allowed |= Q(object_id__in=self.visible(label).values(reference))
            events = events.filter(allowed)
        for key, (label, field) in DETAIL_REFERENCES.items():
            if label not in self.rules:
                continue
            named = list(self.visible(label).values_list(field, flat=True))
            events = events.filter(
                Q(**{f"detail__{key}__isnull": True}) | Q(**{f"detail__{key}__in": named})
            )
        return events

    # ------------------------------------------------------------ one page, with the predicates

    def _objects(self, label: str, keys: set[str]) -> dict[str, object]:
        """key (pk or reference, as text) -> object, for the keys that name an existing object."""
        model = apps.get_model(label)
        reference = _reference_field(model)
        query = Q()
        pks = _as_values(model._meta.pk, keys)
        if pks:
            query |= Q(pk__in=pks)
        references = _as_values(model._meta.get_field(reference), keys) if reference else []
        if references:
            query |= Q(**{f"{reference}__in": references})
        if not query:
            return {}
        found = {}
        parents = [name for name, _parent in self.parents.get(label, ())]
        for obj in model._default_manager.filter(query).select_related(*parents):
            found[str(obj.pk)] = obj
            if reference:
                found[str(getattr(obj, reference))] = obj
        return found

    def may_view(self, obj, _depth: int = 0) -> bool:
        label = obj._meta.label_lower
        if label in self.rules:
            decided = self._decided.get((label, obj.pk))
            if decided is None:
                decided = self._decided[(label, obj.pk)] = _asks(self.rules[label], self.user, obj)
            return decided
        if label not in self.parents or _depth > 5:
            return label not in self.parents
        for name, _parent in self.parents[label]:
            parent = getattr(obj, name, None)
            if parent is not None and not self.may_view(parent, _depth + 1):
                return False
        return True

    def check_page(self, events) -> list:
        """The events of one page this user may see, each asked of the predicates themselves;
        a list view's ids are cut down to the records the user may see."""
        events = list(events)
        labels = self.labels()
        wanted: dict[str, set[str]] = {}
        for event in events:
            if event.object_type not in labels:
                pass
            elif event.action in LIST_ACTIONS:
                wanted.setdefault(event.object_type, set()).update(
                    str(i) for i in (event.detail or {}).get("ids", [])
                )
            elif event.object_id:
                wanted.setdefault(event.object_type, set()).add(event.object_id)
            for key, (label, _field) in DETAIL_REFERENCES.items():
                if label in self.rules and isinstance((event.detail or {}).get(key), str):
                    wanted.setdefault(label, set()).add(event.detail[key])
        allowed: dict[str, set[str]] = {}
        for label, keys in wanted.items():
            found = self._objects(label, keys)  # an object may be found by id and by reference
            distinct = {obj.pk: obj for obj in found.values()}
            ok = {pk for pk, obj in distinct.items() if self.may_view(obj)}
            allowed[label] = {key for key, obj in found.items() if obj.pk in ok}
        shown = []
        for event in events:
            detail = event.detail or {}
            if any(
                label in self.rules
                and isinstance(detail.get(key), str)
                and detail[key] not in allowed.get(label, set())
                for key, (label, _field) in DETAIL_REFERENCES.items()
            ):
                continue
            if event.object_type in labels:
                if event.action in LIST_ACTIONS:
                    ok = allowed.get(event.object_type, set())
                    event.detail = {
                        **detail,
                        "ids": [i for i in detail.get("ids", []) if str(i) in ok],
                    }
                elif event.object_id and event.object_id not in allowed.get(
                    event.object_type, set()
                ):
                    continue
            shown.append(event)
        return shown
