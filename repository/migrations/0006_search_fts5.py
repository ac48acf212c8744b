# SQLite's full-text search moves to FTS5 (repository/fts.py): the FTS5 table, created on SQLite only,
# filled from the existing records; the folded text column it replaces is dropped.

from django.db import OperationalError, migrations

# Spelled out rather than imported, so that this migration keeps creating what it created.
CREATE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS repository_record_fts USING fts5("
    "title, people_and_keywords, abstract, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def sqlite_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from repository.indexing import records_reindex

    try:
        schema_editor.execute(CREATE_FTS)
    except OperationalError as exc:  # "no such module: fts5"
        raise RuntimeError(
            "This Python's SQLite has no FTS5, which search on SQLite needs (SQLite 3.9 or later built "
            "with FTS5, as Debian's, Ubuntu's, python.org's and Docker's Python images are): use such a "
            "Python, or PostgreSQL (DATABASE_URL)."
        ) from exc
    records_reindex(record_model=apps.get_model("repository", "Record"))


def sqlite_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS repository_record_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0005_usage"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="record",
            name="search_text",
        ),
        migrations.RunPython(sqlite_forwards, sqlite_backwards),
    ]
