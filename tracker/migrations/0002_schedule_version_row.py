from django.db import migrations
from django.utils import timezone


def create_row(apps, schema_editor) -> None:
    apps.get_model("tracker", "ScheduleVersion").objects.get_or_create(
        pk=1, defaults={"version": 1, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_api_tokens_feeds_schedule_version")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
