"""The world the access tests run in: two committees, both delegations, every role.

Committee A (Chile–Peru, its schedule published) has a Chilean and a Peruvian secretariat and a
reader; committee B (Chile–Argentina, unpublished) has a Chilean secretariat of its own. People:
a Chilean and a Peruvian member of A, an Argentine and a Chilean member of B, a Chilean who sits
on both, and a Chilean and a Peruvian who sit on no committee yet."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from committees.models import Committee, Membership, Person
from meetings.models import AgendaItem, Session, SessionTombstone
from meetings.reminders import reminders_plan
from tests.api import administrator, reader_of, secretariat_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, MembershipFactory, PersonFactory, SessionFactory
from tracker.models import TokenScope
from tracker.schedule import schedule_changed

# anonymous, a reader of A, A's Chilean and Peruvian secretariats, B's Chilean secretariat, an administrator
ROLES = ("anonymous", "reader", "own", "other", "b", "administrator")
PEOPLE = ("chilean", "peruvian", "argentine", "chilean_on_b", "shared", "lone_chilean", "lone_peruvian")


@dataclass
class World:
    a: Committee
    b: Committee
    a_session: Session
    b_session: Session
    a_item: AgendaItem
    b_item: AgendaItem
    chilean: Person  # sits on A for Chile
    peruvian: Person  # sits on A for Peru
    argentine: Person  # sits on B for Argentina
    chilean_on_b: Person  # sits on B for Chile only
    shared: Person  # sits on A and on B for Chile
    lone_chilean: Person  # sits on no committee
    lone_peruvian: Person  # sits on no committee
    chilean_membership: Membership
    peruvian_membership: Membership
    argentine_membership: Membership
    users: dict[str, User | None]

    def person(self, name: str) -> Person:
        return getattr(self, name)


@pytest.fixture
def world() -> World:
    a = CommitteeFactory(slug="chile-peru", country_a="CL", country_b="PE", schedule_published=True)
    b = CommitteeFactory(slug="chile-argentina", country_a="CL", country_b="AR", name_en="Chile–Argentina Trade")
    a_session = SessionFactory(committee=a, number=1, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    b_session = SessionFactory(
        committee=b, number=1, title="Lithium tariffs", starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    )
    chilean, peruvian = PersonFactory(country="CL"), PersonFactory(country="PE")
    argentine, chilean_on_b = PersonFactory(country="AR"), PersonFactory(country="CL")
    shared = PersonFactory(country="CL")
    world = World(
        a=a,
        b=b,
        a_session=a_session,
        b_session=b_session,
        a_item=AgendaItemFactory(session=a_session, position=1, presenter=chilean),
        b_item=AgendaItemFactory(session=b_session, position=1, presenter=argentine),
        chilean=chilean,
        peruvian=peruvian,
        argentine=argentine,
        chilean_on_b=chilean_on_b,
        shared=shared,
        lone_chilean=PersonFactory(country="CL"),
        lone_peruvian=PersonFactory(country="PE"),
        chilean_membership=MembershipFactory(committee=a, person=chilean, delegation="CL"),
        peruvian_membership=MembershipFactory(committee=a, person=peruvian, delegation="PE"),
        argentine_membership=MembershipFactory(committee=b, person=argentine, delegation="AR"),
        users={
            "anonymous": None,
            "reader": reader_of(a),
            "own": secretariat_of(a, "CL"),
            "other": secretariat_of(a, "PE"),
            "b": secretariat_of(b, "CL"),
            "administrator": administrator(),
        },
    )
    MembershipFactory(committee=b, person=chilean_on_b, delegation="CL")
    MembershipFactory(committee=a, person=shared, delegation="CL")
    MembershipFactory(committee=b, person=shared, delegation="CL")
    now = timezone.now()
    SessionTombstone.objects.create(session_id=9001, uid="a@x", committee=a.slug, number=7, deleted_at=now)
    SessionTombstone.objects.create(session_id=9002, uid="b@x", committee=b.slug, number=7, deleted_at=now)
    with transaction.atomic():  # as every write does (and so also in tests with real transactions)
        reminders_plan(session=a_session)
        reminders_plan(session=b_session)
        schedule_changed()
    return world


def api_client(world: World, role: str) -> APIClient:
    user = world.users[role]
    if user is None:
        return APIClient()
    return token_client(user, scope=TokenScope.READ if role == "reader" else TokenScope.READ_WRITE)


def admin_client(world: World, role: str) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def admin_url(world: World, path: str) -> str:
    return path.format(
        a=world.a.pk,
        b=world.b.pk,
        chilean_membership=world.chilean_membership.pk,
        argentine_membership=world.argentine_membership.pk,
        a_session=world.a_session.pk,
        b_session=world.b_session.pk,
        b_item=world.b_item.pk,
        **{name: world.person(name).pk for name in PEOPLE},
    )
