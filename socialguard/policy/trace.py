"""The clause register at run time: which code enforces which clause.

`@enforces("SLT-5")` on a function records it; `socialguard policy-trace` prints clause →
code → tests, so a safeguarding lead can see where each clause is enforced.
"""

from collections import defaultdict

_REGISTRY: dict[str, list[str]] = defaultdict(list)


def enforces(*clause_ids: str):
    def decorate(func):
        where = f"{func.__module__}:{func.__qualname__}"
        for clause_id in clause_ids:
            if where not in _REGISTRY[clause_id]:
                _REGISTRY[clause_id].append(where)
        func.enforces_clauses = clause_ids
        return func

    return decorate


def enforcement_map() -> dict[str, list[str]]:
    return {k: list(v) for k, v in _REGISTRY.items()}
