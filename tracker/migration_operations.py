"""Migration operations for rules that only PostgreSQL can hold (e.g. exclusion constraints).

On SQLite the services enforce the same rules inside IMMEDIATE transactions, which serialise
writers, so the check cannot race.
"""

from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return "Raw SQL operation on PostgreSQL only"
