"""Database triggers that make a table append-only, on SQLite and PostgreSQL.

Used by the audit trail and by any other app whose records must never change (evidence).
"""

SQLITE_TEMPLATE = """
CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {OP} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;
"""

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION socialguard_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

POSTGRES_TEMPLATE = """
DROP TRIGGER IF EXISTS {table}_no_{op} ON {table};
CREATE TRIGGER {table}_no_{op} BEFORE {OP} ON {table}
FOR EACH ROW EXECUTE FUNCTION socialguard_refuse_change();
"""


POSTGRES_TRUNCATE_TEMPLATE = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION socialguard_refuse_change();
"""


def no_truncate_sql(vendor: str, table: str) -> list[str]:
    """TRUNCATE fires no row trigger: PostgreSQL needs a statement trigger (SQLite has none)."""
    if vendor != "postgresql":
        return []
    return [POSTGRES_FUNCTION, POSTGRES_TRUNCATE_TEMPLATE.format(table=table)]


def drop_no_truncate_sql(vendor: str, table: str) -> list[str]:
    if vendor != "postgresql":
        return []
    return [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"]


def append_only_sql(vendor: str, table: str, operations=("update", "delete")) -> list[str]:
    statements = []
    if vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION)
        template = POSTGRES_TEMPLATE
    elif vendor == "sqlite":
        template = SQLITE_TEMPLATE
    else:
        raise NotImplementedError(f"append-only triggers are not written for {vendor}")
    for op in operations:
        statements.append(template.format(table=table, op=op, OP=op.upper()))
    return statements


def drop_append_only_sql(vendor: str, table: str, operations=("update", "delete")) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op} ON {table};" for op in operations]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op};" for op in operations]


def make_append_only(table: str, operations=("update", "delete")):
    """A migration operation installing the triggers for whichever database runs it."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        for statement in append_only_sql(schema_editor.connection.vendor, table, operations):
            schema_editor.execute(statement, params=None)

    def backwards(apps, schema_editor):
        for statement in drop_append_only_sql(schema_editor.connection.vendor, table, operations):
            schema_editor.execute(statement, params=None)

    return migrations.RunPython(forwards, backwards)
