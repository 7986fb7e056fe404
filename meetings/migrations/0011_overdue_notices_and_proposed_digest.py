"""An overdue notice names the due date it is about; a record keeps the digest of the text proposed.

SQLite rebuilds a table to add a column, and its triggers on the record's tables (migration 0009)
name those tables: they are dropped first and made again last (on PostgreSQL as well, harmlessly).
A later migration that changes one of the record's tables must do the same."""

from importlib import import_module

from django.db import migrations, models

_rules = import_module("meetings.migrations.0009_records_rules_and_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0007_texts_in_english"),
        ("meetings", "0010_agenda_outcome_removed"),
    ]

    operations = [
        migrations.RunPython(_rules.triggers_drop, _rules.triggers_create),
        migrations.RemoveConstraint(
            model_name="reminder",
            name="reminder_overdue_once",
        ),
        migrations.AddField(
            model_name="historicalrecord",
            name="digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="SHA-256 of the text proposed"
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="SHA-256 of the text proposed"
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="commitment_due_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="commitment due"),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "overdue"), models.Q(("state", "cancelled"), _negated=True)),
                fields=("commitment", "person", "commitment_due_on"),
                name="reminder_overdue_once",
            ),
        ),
        migrations.RunPython(_rules.triggers_create, _rules.triggers_drop),
    ]
