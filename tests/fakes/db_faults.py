"""A database that fails for real where the code under test meets it: a PostgreSQL trigger refusing
some writes to a table, either at once (the statement fails, as a busy SQLite answers "database is
locked") or at COMMIT (a deferred constraint trigger: the transaction did its work and the commit is
refused), the first `times` times. Nothing of Estran is replaced.

    with refused_writes("deposit_uploadsession", when="NEW.state = 'completed'", at_commit=True):
        ...
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

# SQLSTATE 55P03, lock_not_available: psycopg and Django raise it as an OperationalError, the class
# of "database is locked" on SQLite.
LOCK_NOT_AVAILABLE = "55P03"


@contextmanager
def refused_writes(
    table: str,
    *,
    when: str = "true",
    at_commit: bool = False,
    times: int = 1,
    events: str = "INSERT OR UPDATE",
    errcode: str = LOCK_NOT_AVAILABLE,
):
    """Refuse the first `times` rows written to `table` for which the SQL condition `when` holds
    (on NEW); the trigger and its counter are dropped on exit, whatever the test did."""
    from django.db import connection

    assert connection.vendor == "postgresql", "database faults are injected on PostgreSQL"
    name = f"estran_fault_{uuid.uuid4().hex[:10]}"
    timing = (
        "CONSTRAINT TRIGGER {name} AFTER {events} ON {table} DEFERRABLE INITIALLY DEFERRED"
        if at_commit
        else "TRIGGER {name} BEFORE {events} ON {table}"
    )
    with connection.cursor() as cursor:
        # A sequence counts the refusals: unlike a row, it is not rolled back with the refused write.
        cursor.execute(f"CREATE SEQUENCE {name}")
        cursor.execute(f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF ({when}) AND nextval('{name}') <= {int(times)} THEN
                    RAISE EXCEPTION 'write to {table} refused by the test' USING ERRCODE = '{errcode}';
                END IF;
                RETURN NEW;
            END $$""")
        cursor.execute(
            f"CREATE {timing.format(name=name, events=events, table=table)} FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
