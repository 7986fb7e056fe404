"""No two co-chairs of one delegation, and no two memberships of one person, in overlapping
periods — held by PostgreSQL itself; on SQLite the services check it under the write lock."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from tracker.migration_operations import PostgreSQLOnly


class Migration(migrations.Migration):
    dependencies = [("committees", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgreSQLOnly(
            sql="""
                ALTER TABLE committees_membership ADD CONSTRAINT membership_co_chair_periods_disjoint
                EXCLUDE USING gist (
                    committee_id WITH =, delegation WITH =, daterange(start_date, end_date, '[]') WITH &&
                ) WHERE (role = 'co_chair');
                ALTER TABLE committees_membership ADD CONSTRAINT membership_person_periods_disjoint
                EXCLUDE USING gist (
                    committee_id WITH =, person_id WITH =, daterange(start_date, end_date, '[]') WITH &&
                );
            """,
            reverse_sql="""
                ALTER TABLE committees_membership DROP CONSTRAINT membership_co_chair_periods_disjoint;
                ALTER TABLE committees_membership DROP CONSTRAINT membership_person_periods_disjoint;
            """,
        ),
    ]
