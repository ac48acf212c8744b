"""Model fields of the search columns that differ by database: a list of strings is `text[]` on
PostgreSQL (GIN-indexed, unnested for facets) and JSON text on SQLite (read with `json_each`)."""

from __future__ import annotations

import json

from django.contrib.postgres.fields import ArrayField
from django.db import models


class TextListField(ArrayField):
    """A list of strings. On PostgreSQL an `ArrayField(TextField())`; on other databases a text
    column holding a JSON array, so that the embedded default (SQLite) migrates and stores the same
    model. Array lookups (`__overlap`, `__contains`) exist on PostgreSQL only: the search module
    writes its own SQL for SQLite."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", models.TextField())
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(**kwargs)

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return super().db_type(connection)
        return "text"

    def cast_db_type(self, connection):
        if connection.vendor == "postgresql":
            return super().cast_db_type(connection)
        return "text"

    def db_parameters(self, connection):
        if connection.vendor == "postgresql":
            return super().db_parameters(connection)
        return {"type": "text", "check": None}

    def get_placeholder(self, value, compiler, connection):
        if connection.vendor == "postgresql":
            return super().get_placeholder(value, compiler, connection)
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor == "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if value is None:
            return None
        return json.dumps([str(v) for v in value], ensure_ascii=False)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and connection.vendor != "postgresql":
            return json.loads(value)
        return value
