"""The three roles as groups with their model permissions. Which committee and delegation a
person acts for is a StaffAssignment; an administrator acts for every committee."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
SHARED_RECORD = {
    "committees": {"committee": ("view",)},
    "meetings": {"sessiontombstone": ("view",)},
}
RECORD = {
    "committees": {"person": ALL, "membership": ALL},
    "meetings": {"session": ALL, "agendaitem": ALL, "invitee": ALL},
}
ROLES = {
    "Administrator": {
        "committees": {
            "committee": ALL,
            "person": ALL,
            "membership": ALL,
            "staffassignment": ALL,
            "historicalcommittee": ("view",),
            "historicalperson": ("view",),
            "historicalmembership": ("view",),
            "historicalstaffassignment": ("view",),
        },
        "meetings": {
            "session": ALL,
            "agendaitem": ALL,
            "invitee": ALL,
            "reminder": ("change", "view"),
            "sessiontombstone": ("view",),
            "historicalsession": ("view",),
            "historicalagendaitem": ("view",),
            "historicalinvitee": ("view",),
        },
        "tracker": {
            "apitoken": ALL,
            "calendarfeed": ALL,
            "historicalapitoken": ("view",),
            "historicalcalendarfeed": ("view",),
        },
        # Second-factor devices are issued by superusers (manage.py enroll_totp, or the admin).
        "auth": {"user": ("add", "change", "view"), "group": ("view",)},
        "axes": {"accessattempt": ("view", "delete"), "accessfailurelog": ("view",), "accesslog": ("view",)},
    },
    "Committee secretariat": {
        "committees": {**SHARED_RECORD["committees"], **RECORD["committees"]},
        "meetings": {**SHARED_RECORD["meetings"], **RECORD["meetings"], "reminder": ("change", "view")},
        "tracker": {"apitoken": ("add", "change", "view"), "calendarfeed": ("add", "change", "view")},
    },
    "Reader": {
        "committees": {**SHARED_RECORD["committees"], "person": ("view",), "membership": ("view",)},
        "meetings": {
            **SHARED_RECORD["meetings"],
            "session": ("view",),
            "agendaitem": ("view",),
            "invitee": ("view",),
        },
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations ran; the groups need them now.
    for label in ("auth", "committees", "meetings", "tracker", "axes"):
        create_permissions(global_apps.get_app_config(label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [
            Permission.objects.get(content_type__app_label=app, codename=f"{action}_{model}")
            for app, models in grants.items()
            for model, actions in models.items()
            for action in actions
        ]
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("committees", "0004_staff_assignments_and_history"),
        ("meetings", "0005_history"),
        ("tracker", "0003_token_scope_expiry_and_history"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
