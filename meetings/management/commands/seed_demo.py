from django.core.management.base import BaseCommand

from meetings.demo import COMMITTEE_SLUG, UPCOMING_SESSIONS, seed_demo


class Command(BaseCommand):
    help = (
        "Load the Chile–Peru Binational Migration Cooperation Committee: its co-chairs, members and "
        "advisers, the sessions of December 2025 with their records and commitments, and "
        f"{UPCOMING_SESSIONS} upcoming sessions on the next Mondays. Safe to run again: it only adds what is missing."
    )

    def handle(self, *args, **options) -> None:
        report = seed_demo()
        self.stdout.write(
            f"Demo committee “{COMMITTEE_SLUG}”: {report.people_created} people, "
            f"{report.memberships_created} memberships, {report.sessions_created} sessions and "
            f"{report.records_created} records added."
        )
        for line in report.skipped:
            self.stdout.write(self.style.WARNING(f"Left as it is: {line}"))
