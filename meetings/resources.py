"""Sessions with their agendas, exported to CSV or XLSX (django-import-export) for people who
work in spreadsheets. Times are given on the venue's clock with its offset, beside both capitals'.
The files are written by tracker.spreadsheets, which keeps every text inert in a spreadsheet."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from meetings.models import Session
from tracker.timezones import capital_clocks, format_in_zone


class SessionExportResource(resources.ModelResource):
    committee = fields.Field(attribute="committee__slug", column_name="committee")
    starts = fields.Field(column_name="starts (venue)")
    ends = fields.Field(column_name="ends (venue)")
    capitals = fields.Field(column_name="starts (capitals)")
    agenda = fields.Field(column_name="agenda")
    uid = fields.Field(attribute="uid", column_name="uid")

    class Meta:
        model = Session
        fields = (
            "committee",
            "number",
            "title",
            "status",
            "starts",
            "ends",
            "capitals",
            "timezone",
            "venue",
            "host_country",
            "agenda",
            "uid",
        )
        export_order = fields

    def dehydrate_starts(self, session: Session) -> str:
        return format_in_zone(session.starts_at, session.timezone)

    def dehydrate_ends(self, session: Session) -> str:
        return format_in_zone(session.ends_at, session.timezone)

    def dehydrate_capitals(self, session: Session) -> str:
        return "; ".join(
            f"{clock.label}: {format_in_zone(clock.local, clock.zone_name)}"
            for clock in capital_clocks(session.starts_at)
        )

    def dehydrate_host_country(self, session: Session) -> str:
        return session.host_country.code

    def dehydrate_agenda(self, session: Session) -> str:
        """One line an item: "1. Title — presenter (20 min): outcome"."""
        lines = []
        for item in session.agenda_items.all():
            line = f"{item.position}. {item.title}"
            if item.presenter:
                line += f" — {item.presenter.full_name}"
            line += " " + _("(%(minutes)d min)") % {"minutes": item.duration_minutes}
            if item.outcome:
                line += f": {item.outcome}"
            lines.append(line)
        return "\n".join(lines)
