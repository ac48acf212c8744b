"""Each record's runs of three following words beside its pairs (`search_pairs`, migration 0010),
so that a three-word phrase is matched through the index as a two-word one is (issue 18).

A three-word phrase (`"sea water temperature"`) was found through the index as all its words, then
checked against the positions of every candidate's tsvector (out of line, in TOAST): 7,900 records in
the benchmark's slowest phrase search. `search_pairs` now also holds `"a b c"` for each word a at
position p, b at p + 1 and c at p + 2: a record's tsvector matches `'a' <-> 'b' <-> 'c'` exactly when
its pairs hold `'a b c'`, so such a query is answered by the GIN index alone (`repository.search`).
About 1.8 times the lexemes of the pairs alone.

Applied without downtime: `estran_pairs()` replaced, then the column of every record already indexed
recomputed 5,000 records a transaction (reads and writes go on; the code before this migration reads
the pairs only, which stay), and the table analysed. `manage.py estran_reindex` rebuilds it. On SQLite
nothing: phrases are FTS5's.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION estran_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH w AS (SELECT u.lexeme, p FROM unnest(vector) u, unnest(u.positions) p)
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT g.run)), ''::tsvector)
    FROM (
        SELECT a.lexeme || ' ' || b.lexeme AS run FROM w a JOIN w b ON b.p = a.p + 1
        UNION ALL
        SELECT a.lexeme || ' ' || b.lexeme || ' ' || c.lexeme
        FROM w a JOIN w b ON b.p = a.p + 1 JOIN w c ON c.p = a.p + 2
    ) g
$$
"""
PAIRS_ONLY = r"""
CREATE OR REPLACE FUNCTION estran_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme)), ''::tsvector)
    FROM (SELECT u.lexeme, p FROM unnest(vector) u, unnest(u.positions) p) a
    JOIN (SELECT u.lexeme, p FROM unnest(vector) u, unnest(u.positions) p) b ON b.p = a.p + 1
$$
"""
BATCH = 5000


def _recompute(schema_editor, function: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(function)
        cursor.execute("SELECT coalesce(max(id), 0) FROM repository_record")
        last = cursor.fetchone()[0]
        for start in range(0, last, BATCH):
            cursor.execute(
                "UPDATE repository_record SET search_pairs = estran_pairs(search_vector) "
                "WHERE id > %s AND id <= %s AND search_vector IS NOT NULL",
                [start, start + BATCH],
            )
        cursor.execute("ANALYZE repository_record")


def forwards(apps, schema_editor):
    _recompute(schema_editor, FUNCTION)


def backwards(apps, schema_editor):
    _recompute(schema_editor, PAIRS_ONLY)


class Migration(migrations.Migration):
    atomic = False  # each batch its own transaction

    dependencies = [
        ("repository", "0011_fixity_history"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
