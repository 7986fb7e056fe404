"""An agenda item's outcome is now what the approved record says (migration 0009 kept it in a draft)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("meetings", "0009_records_rules_and_roles")]

    operations = [
        migrations.RemoveField(
            model_name="agendaitem",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="agendaitem",
            name="outcome_en",
        ),
        migrations.RemoveField(
            model_name="historicalagendaitem",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="historicalagendaitem",
            name="outcome_en",
        ),
    ]
