"""Make the access log append-only in the database itself, and start its hash chain.

UPDATE of an entry or subject is refused on SQLite and PostgreSQL; DELETE is refused on
PostgreSQL too. (On SQLite, DELETE is left to the application and the chain, because Django's
test flush empties tables with DELETE; on PostgreSQL it uses TRUNCATE, which row triggers do
not see. docs/adr/0004-access-log.md explains, and how production revokes TRUNCATE.)
"""

from django.db import migrations

TABLES = ("core_accesslogentry", "core_accesslogsubject")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION opensend_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only: %% of %% is not allowed', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION opensend_access_log_is_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'The access log is append-only: UPDATE of "
                f"{table} is not allowed'); END;"
            )


def drop_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS opensend_access_log_is_append_only();")
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")


def start_chain(apps, schema_editor):
    head = apps.get_model("core", "AccessLogHead")
    head.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


def remove_chain_head(apps, schema_editor):
    apps.get_model("core", "AccessLogHead").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_guards, drop_guards),
        migrations.RunPython(start_chain, remove_chain_head),
    ]
