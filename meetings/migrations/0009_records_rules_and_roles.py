# ruff: noqa: S608 - the statements are built from this file's constant table names; no input reaches them
"""The record's rules the database holds, the roles' permissions on the new models, and each agenda
item's outcome kept as a decision in a draft record of its session (for both delegations to approve).

Triggers, on PostgreSQL and SQLite alike (on SQLite an approved record's rows are kept from
inserts and updates; a delete, which the services never make, is refused on PostgreSQL only:
SQLite's flush of a test database deletes those rows before their records):
- an approved version is never updated;
- the text of an approved record (its closing remarks and counters, its entries and attendance)
  is not changed in place: a correction first opens the next version as a draft;
- a record becomes approved only with one approval from each of two delegations for its current
  revision, none of them voided;
- an approval is only given to a proposed record, and only for its current revision: an approval
  of a text edited since is refused, however the two writes interleave."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
WRITE = {
    "record": ("add", "change", "view"),
    "recordentry": ALL,
    "recordattendance": ALL,
    "recordapproval": ("view",),
    "recordversion": ("view",),
    "commitment": ("change", "view"),
    "commitmentupdate": ("add", "view"),
    "change": ("view",),
}
GRANTS = {
    "Administrator": {**WRITE, "historicalrecord": ("view",), "historicalcommitment": ("view",)},
    "Committee secretariat": WRITE,
    "Reader": {"record": ("view",), "recordversion": ("view",), "commitment": ("view",)},
}

_APPROVED_BY_BOTH = """(SELECT COUNT(DISTINCT delegation) FROM meetings_recordapproval
    WHERE record_id = NEW.id AND revision = NEW.revision AND voided_at IS NULL) < 2"""
_TEXT_CHANGED = """(NEW.revision <> OLD.revision OR NEW.version <> OLD.version
    OR NEW.closing_remarks <> OLD.closing_remarks OR NEW.closing_remarks_en <> OLD.closing_remarks_en)"""

SQLITE = [
    f"""CREATE TRIGGER record_approved_by_both BEFORE UPDATE OF state ON meetings_record
    WHEN NEW.state = 'approved' AND OLD.state <> 'approved' AND {_APPROVED_BY_BOTH}
    BEGIN SELECT RAISE(ABORT, 'record_approved_by_both'); END""",
    f"""CREATE TRIGGER record_approved_frozen BEFORE UPDATE ON meetings_record
    WHEN OLD.state = 'approved' AND NEW.state = 'approved' AND {_TEXT_CHANGED}
    BEGIN SELECT RAISE(ABORT, 'record_approved_frozen'); END""",
    """CREATE TRIGGER record_version_frozen BEFORE UPDATE ON meetings_recordversion
    BEGIN SELECT RAISE(ABORT, 'record_version_frozen'); END""",
    """CREATE TRIGGER record_approval_current BEFORE INSERT ON meetings_recordapproval
    WHEN NOT EXISTS (SELECT 1 FROM meetings_record WHERE id = NEW.record_id AND state = 'proposed'
        AND revision = NEW.revision AND version = NEW.version)
    BEGIN SELECT RAISE(ABORT, 'record_approval_current'); END""",
]
for table in ("meetings_recordentry", "meetings_recordattendance"):
    SQLITE += [
        f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table}
        WHEN (SELECT state FROM meetings_record WHERE id = NEW.record_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, 'record_approved_frozen'); END""",
        f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
        WHEN (SELECT state FROM meetings_record WHERE id = OLD.record_id) = 'approved'
        OR (SELECT state FROM meetings_record WHERE id = NEW.record_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, 'record_approved_frozen'); END""",
    ]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS record_approved_by_both",
    "DROP TRIGGER IF EXISTS record_approved_frozen",
    "DROP TRIGGER IF EXISTS record_version_frozen",
    "DROP TRIGGER IF EXISTS record_approval_current",
] + [
    f"DROP TRIGGER IF EXISTS {table}_frozen_{event}"
    for table in ("meetings_recordentry", "meetings_recordattendance")
    for event in ("insert", "update")
]


def _raise(name: str) -> str:
    return f"RAISE EXCEPTION '{name}' USING ERRCODE = 'check_violation'"


POSTGRESQL = [
    f"""CREATE FUNCTION record_rules() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.state = 'approved' AND OLD.state <> 'approved' AND {_APPROVED_BY_BOTH} THEN
            {_raise("record_approved_by_both")};
        END IF;
        IF OLD.state = 'approved' AND NEW.state = 'approved' AND {_TEXT_CHANGED} THEN
            {_raise("record_approved_frozen")};
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER record_rules BEFORE UPDATE ON meetings_record FOR EACH ROW EXECUTE FUNCTION record_rules()",
    f"""CREATE FUNCTION record_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_raise("record_version_frozen")}; END $$""",
    """CREATE TRIGGER record_version_frozen BEFORE UPDATE ON meetings_recordversion
    FOR EACH ROW EXECUTE FUNCTION record_version_frozen()""",
    f"""CREATE FUNCTION record_approval_current() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM meetings_record WHERE id = NEW.record_id AND state = 'proposed'
                AND revision = NEW.revision AND version = NEW.version) THEN
            {_raise("record_approval_current")};
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER record_approval_current BEFORE INSERT ON meetings_recordapproval
    FOR EACH ROW EXECUTE FUNCTION record_approval_current()""",
    f"""CREATE FUNCTION record_part_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM meetings_record WHERE id = OLD.record_id AND state = 'approved'))
            OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM meetings_record WHERE id = NEW.record_id AND state = 'approved'))
        THEN
            {_raise("record_approved_frozen")};
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$""",
] + [
    f"""CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION record_part_frozen()"""
    for table in ("meetings_recordentry", "meetings_recordattendance")
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS meetings_recordentry_frozen ON meetings_recordentry",
    "DROP TRIGGER IF EXISTS meetings_recordattendance_frozen ON meetings_recordattendance",
    "DROP FUNCTION IF EXISTS record_part_frozen()",
    "DROP TRIGGER IF EXISTS record_approval_current ON meetings_recordapproval",
    "DROP FUNCTION IF EXISTS record_approval_current()",
    "DROP TRIGGER IF EXISTS record_version_frozen ON meetings_recordversion",
    "DROP FUNCTION IF EXISTS record_version_frozen()",
    "DROP TRIGGER IF EXISTS record_rules ON meetings_record",
    "DROP FUNCTION IF EXISTS record_rules()",
]


def triggers_create(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


def roles_grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("meetings"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label="meetings", codename=f"{action}_{model}")
                for model, actions in models.items()
                for action in actions
            ]
        )


def outcomes_keep(apps, schema_editor):
    """Each agenda item's outcome becomes a decision in a draft record of its session."""
    AgendaItem = apps.get_model("meetings", "AgendaItem")
    Record = apps.get_model("meetings", "Record")
    RecordEntry = apps.get_model("meetings", "RecordEntry")
    items = AgendaItem.objects.exclude(outcome="", outcome_en="").order_by("session_id", "position")
    for item in items:
        record, _created = Record.objects.get_or_create(session_id=item.session_id)
        RecordEntry.objects.create(
            record=record,
            agenda_item=item,
            position=item.position,
            kind="decision",
            text=item.outcome or item.outcome_en,
            text_en=item.outcome_en,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_records_and_commitments"),
        ("committees", "0005_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(triggers_create, triggers_drop),
        migrations.RunPython(roles_grant, migrations.RunPython.noop),
        migrations.RunPython(outcomes_keep, migrations.RunPython.noop),
    ]
