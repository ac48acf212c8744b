"""Each record's pairs of words that follow each other (`search_pairs`, PostgreSQL only), so that a
two-word phrase is matched through an index instead of against every candidate's tsvector (issue 18).

A phrase (`"water column"`) needs the words' positions, which only the tsvector holds: PostgreSQL
reads the tsvector of every record holding both words (out of line, in TOAST: 4.5 µs a record on the
benchmark's machine) to check them, 26,000 records for that phrase in a box over western Europe.
`search_pairs` holds, for every position p of the tsvector, `"a b"` for each word a at p and b at
p + 1: a record's tsvector matches `'a' <-> 'b'` exactly when its pairs hold `'a b'`, so a query that
is a two-word phrase (in every language it is read in) is answered by the GIN index on the pairs
alone (`repository.search`). Computed from the tsvector by `estran_pairs()`, written with it by the
indexer; `manage.py estran_reindex` rebuilds both.

Applied without downtime: the function and the column (a catalogue change), the pairs of the
records already indexed filled 5,000 records a transaction, then the index built CONCURRENTLY
(reads and writes go on) and the table analysed. On SQLite nothing: phrases are FTS5's.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION estran_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme)), ''::tsvector)
    FROM (SELECT u.lexeme, p FROM unnest(vector) u, unnest(u.positions) p) a
    JOIN (SELECT u.lexeme, p FROM unnest(vector) u, unnest(u.positions) p) b ON b.p = a.p + 1
$$
"""
BATCH = 5000


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        cursor.execute("ALTER TABLE repository_record ADD COLUMN IF NOT EXISTS search_pairs tsvector")
        cursor.execute("SELECT coalesce(max(id), 0) FROM repository_record")
        last = cursor.fetchone()[0]
        for start in range(0, last, BATCH):
            cursor.execute(
                "UPDATE repository_record SET search_pairs = estran_pairs(search_vector) "
                "WHERE id > %s AND id <= %s AND search_vector IS NOT NULL",
                [start, start + BATCH],
            )
        cursor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS record_search_pairs_gin ON repository_record USING gin (search_pairs)"
        )
        cursor.execute("ANALYZE repository_record")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS record_search_pairs_gin")
        cursor.execute("ALTER TABLE repository_record DROP COLUMN IF EXISTS search_pairs")
        cursor.execute("DROP FUNCTION IF EXISTS estran_pairs(tsvector)")


class Migration(migrations.Migration):
    atomic = False  # each batch its own transaction; CREATE INDEX CONCURRENTLY runs outside one

    dependencies = [
        ("repository", "0009_record_folder_totals"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
