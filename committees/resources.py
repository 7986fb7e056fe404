"""Importing people and memberships from a spreadsheet (django-import-export).

Every row is checked as the admin's forms check it (field rules, the committee's rules across
memberships, and what the importing user may change) on a trial run that saves nothing; the
real import runs in one transaction and keeps nothing if any row fails."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from committees.access import (
    NOBODY,
    Access,
    committees_editable,
    membership_check,
    memberships_editable,
    people_visible,
    person_check,
)
from committees.models import PERSON_FIELDS, Committee, Membership, Person
from committees.services import membership_save, membership_validate, person_save
from committees.writes import schedule_writes_together


class FileColumnsError(ValueError):
    """The file's header row does not name this importer's columns."""


def _merge(errors: dict, more: dict) -> dict:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages if isinstance(messages, list | tuple) else [messages])
    return errors


class AllOrNothingResource(resources.ModelResource):
    def __init__(self, *, access: Access = NOBODY, **kwargs) -> None:
        super().__init__(**kwargs)
        self.access = access

    def import_data(self, dataset, dry_run: bool = False, **kwargs):
        """One write for the whole file, through the services row by row (so the schedule version
        rises once); rolled back if any row has an error of any kind, or on a trial run."""
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        with schedule_writes_together() as write:
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if dry_run or result.has_errors() or result.has_validation_errors():
                write.discard()
        return result

    def before_import(self, dataset, **kwargs) -> None:
        """A file whose columns are not this importer's is refused as a whole, with the columns it
        expects: a misspelt column would otherwise be skipped and its values silently lost."""
        super().before_import(dataset, **kwargs)
        expected = [field.column_name for field in self.get_import_fields()]
        headers = [str(header).strip() for header in dataset.headers or []]
        required = [self.fields[name].column_name for name in self._meta.import_id_fields]
        missing = [column for column in required if column not in headers]
        unknown = [header for header in headers if header not in expected]
        if missing or unknown:
            del dataset[0 : len(dataset)]  # no row of such a file is read
            raise FileColumnsError(
                _("The file's first row must name its columns, from: %(expected)s.") % {"expected": ", ".join(expected)}
                + (" " + _("Missing: %(columns)s.") % {"columns": ", ".join(missing)} if missing else "")
                + (" " + _("Unknown: %(columns)s.") % {"columns": ", ".join(unknown)} if unknown else "")
            )

    def scope_errors(self, instance) -> dict[str, list[str]]:
        return {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors: dict[str, list] = {}
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not errors:  # the row's own fields are sound: now the rules across rows and users
            _merge(errors, self.scope_errors(instance))
        if errors:
            raise ValidationError(errors)


class PersonResource(AllOrNothingResource):
    """One person a row, found again by full name and country (so a file can be imported twice)."""

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        import_id_fields = ("full_name", "country")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        # Rows are matched against the people the importer sees, and refused by scope_errors when
        # not theirs to change; a name of someone they do not see is a new person, as in the add
        # form, so the file neither reaches nor reveals anyone of another committee.
        return people_visible(access=self.access)

    def scope_errors(self, instance: Person) -> dict[str, str]:
        return person_check(self.access, instance)

    def do_instance_save(self, instance: Person, is_create: bool) -> None:
        person_save(person=instance)


class _LookupWidget(widgets.ForeignKeyWidget):
    """A row's reference to a committee or person the importing user may use, or a field error."""

    missing: str
    ambiguous: str

    def __init__(self, resource: "MembershipResource", model, field: str) -> None:
        super().__init__(model, field=field)
        self.resource = resource

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(self.missing % {"value": value}) from exc
        except self.model.MultipleObjectsReturned as exc:
            raise ValueError(self.ambiguous % {"value": value}) from exc


class CommitteeSlugWidget(_LookupWidget):
    missing = _("No committee “%(value)s” whose secretariat you are.")
    ambiguous = missing

    def __init__(self, resource: "MembershipResource") -> None:
        super().__init__(resource, Committee, "slug")

    def get_queryset(self, value, row, *args, **kwargs):
        return committees_editable(access=self.resource.access)


class PersonNameWidget(_LookupWidget):
    missing = _("No person named “%(value)s”: import or add them first.")
    ambiguous = _("Several people are named “%(value)s”: add this membership in the admin.")

    def __init__(self, resource: "MembershipResource") -> None:
        super().__init__(resource, Person, "full_name")

    def get_queryset(self, value, row, *args, **kwargs):
        return people_visible(access=self.resource.access)


class MembershipResource(AllOrNothingResource):
    """One membership a row: the person by full name, the committee by its short name."""

    person = fields.Field(attribute="person", column_name="person")
    committee = fields.Field(attribute="committee", column_name="committee")
    start_date = fields.Field(attribute="start_date", column_name="start_date", widget=widgets.DateWidget("%Y-%m-%d"))
    end_date = fields.Field(attribute="end_date", column_name="end_date", widget=widgets.DateWidget("%Y-%m-%d"))

    class Meta:
        model = Membership
        fields = ("person", "committee", "role", "delegation", "start_date", "end_date")
        import_id_fields = ("person", "committee", "start_date")
        # Checked by membership_validate below, whose messages name the conflicting member.
        clean_model_instances = False
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        # Only memberships the importer may change are found again; another delegation's is not
        # taken over, and the row is refused by the committee's rules as a second membership.
        return memberships_editable(access=self.access)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["person"].widget = PersonNameWidget(self)
        self.fields["committee"].widget = CommitteeSlugWidget(self)

    def scope_errors(self, instance: Membership) -> dict[str, list[str]]:
        if problems := membership_check(self.access, instance):
            return problems
        try:
            membership_validate(membership=instance)
        except ValidationError as exc:
            return exc.message_dict
        return {}

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # an unknown person or committee: reported on its field, as a new row

    def do_instance_save(self, instance: Membership, is_create: bool) -> None:
        membership_save(membership=instance)
