"""No two slot-holding sessions of one committee overlap — held by PostgreSQL itself; on
SQLite the services check it under the write lock."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from tracker.migration_operations import PostgreSQLOnly


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("committees", "0002_membership_exclusion_constraints")]

    operations = [
        BtreeGistExtension(),
        PostgreSQLOnly(
            sql="""
                ALTER TABLE meetings_session ADD CONSTRAINT session_no_overlap
                EXCLUDE USING gist (committee_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
                WHERE (status IN ('scheduled', 'held'));
            """,
            reverse_sql="ALTER TABLE meetings_session DROP CONSTRAINT session_no_overlap;",
        ),
    ]
