import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import parse_http_date
from rest_framework.test import APIClient

from committees.models import Committee, Person
from meetings.models import AgendaItem, Session, SessionTombstone
from meetings.services import session_update
from tests.admin_forms import empty_inlines
from tests.api import administrator, cached_bodies_forget, editor, reader, reader_of, token_client
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory
from tracker.models import TokenScope
from tracker.schedule import schedule_changed, schedule_version

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sessions/"
START = "2026-12-07T10:00:00-03:00"


def _payload(committee, /, **overrides) -> dict:
    return {
        "committee": committee.slug,
        "title": "Second session",
        "starts_at": START,
        "ends_at": "2026-12-07T12:00:00-03:00",
        "timezone": "America/Santiago",
        "venue": "Ministry of Foreign Affairs, Santiago",
        "host_country": "CL",
        **overrides,
    }


@pytest.fixture
def session():
    """The first session of a committee, with one agenda item, as a fixed JSON shape."""
    committee = CommitteeFactory(slug="chile-peru")
    presenter = PersonFactory(
        full_name="Luis Cordero",
        position="Minister of Public Security",
        organisation="Ministry of Public Security",
        country="CL",
    )
    session = SessionFactory(
        committee=committee,
        number=1,
        title="First session",
        description="Inaugural.",
        status="held",
        starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2025, 12, 1, 15, 0, tzinfo=UTC),
        venue="Santiago",
        host_country="CL",
    )
    AgendaItemFactory(
        session=session,
        position=1,
        title="Water and food",
        presenter=presenter,
        duration_minutes=30,
        description="At the border.",
    )
    Session.objects.filter(pk=session.pk).update(
        created_at=datetime(2025, 11, 28, 12, 0, tzinfo=UTC),
        updated_at=datetime(2025, 12, 1, 16, 0, 0, 500, tzinfo=UTC),
    )
    schedule_changed()
    return Session.objects.get(pk=session.pk)


def test_session_json_is_exactly_this(session):
    response = reader().get(f"{LIST}{session.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    item = session.agenda_items.get()
    assert response.json() == {
        "id": session.pk,
        "uid": f"session-{session.pk}@committee-tracker.example",
        "committee": "chile-peru",
        "number": 1,
        "title": "First session",
        "title_en": "",
        "description": "Inaugural.",
        "description_en": "",
        "status": "held",
        "starts_at": "2025-12-01T10:00:00-03:00",
        "ends_at": "2025-12-01T12:00:00-03:00",
        "timezone": "America/Santiago",
        "venue": "Santiago",
        "host_country": "CL",
        "sequence": 0,
        "agenda": [
            {
                "id": item.pk,
                "position": 1,
                "title": "Water and food",
                "title_en": "",
                "description": "At the border.",
                "description_en": "",
                "presenter": {
                    "id": item.presenter_id,
                    "full_name": "Luis Cordero",
                    "position": "Minister of Public Security",
                    "organisation": "Ministry of Public Security",
                    "country": "CL",
                },
                "duration_minutes": 30,
            }
        ],
        "created_at": "2025-11-28T12:00:00Z",
        "updated_at": "2025-12-01T16:00:00Z",
    }


@pytest.mark.parametrize(
    ("method", "path", "anonymous", "reader_status", "editor_status"),
    [
        ("get", LIST, 401, 200, 200),
        ("get", "{detail}", 401, 200, 200),
        ("post", LIST, 401, 403, 201),
        ("patch", "{detail}", 401, 403, 200),
        ("delete", "{detail}", 401, 403, 204),
        ("get", "/api/v1/sessions/deleted/", 401, 200, 200),
        ("get", "/api/v1/agenda-items/", 401, 200, 200),
        ("get", "/api/v1/committees/", 401, 200, 200),
        ("get", "/api/v1/committees/{slug}/", 401, 200, 200),
        ("get", "/api/v1/sessions.ics", 401, 200, 200),
        ("get", "{detail_ics}", 401, 200, 200),
        ("get", "/api/v1/", 401, 200, 200),
    ],
)
def test_auth_matrix(method, path, anonymous, reader_status, editor_status):
    committee = CommitteeFactory()
    future = SessionFactory(committee=committee, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    url = path.format(detail=f"{LIST}{future.pk}/", detail_ics=f"{LIST}{future.pk}.ics", slug=committee.slug)
    body = (
        _payload(committee, starts_at="2030-02-04T10:00:00-03:00", ends_at="2030-02-04T11:00:00-03:00")
        if method == "post"
        else {"title": "Renamed"}
    )
    call = lambda client: getattr(client, method)(url, body if method in {"post", "patch"} else None)  # noqa: E731
    anonymous_response = call(APIClient())
    assert (anonymous_response.status_code, anonymous_response.json()) == (
        anonymous,
        {"detail": "Authentication credentials were not provided."},
    )
    bad = call(token_client(token="nope.nope"))
    assert (bad.status_code, bad.json()) == (401, {"detail": "Invalid token."})
    assert call(reader()).status_code == reader_status
    assert call(editor()).status_code == editor_status


def test_revoked_token_and_inactive_user_are_refused():
    user = administrator()
    client = token_client(user)
    assert client.get(LIST).status_code == 200
    user.api_tokens.update(revoked_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert client.get(LIST).status_code == 401
    other = administrator()
    client = token_client(other)
    other.is_active = False
    other.save()
    assert client.get(LIST).status_code == 401


def test_create_with_agenda_then_patch_and_delete():
    committee, presenter = CommitteeFactory(), PersonFactory()
    client = editor()
    created = client.post(
        LIST,
        _payload(
            committee,
            agenda=[
                {"title": "Water and food", "duration_minutes": 30, "presenter": presenter.pk},
                {"title": "Documents", "duration_minutes": 45},
            ],
        ),
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert created["Location"] == f"http://testserver/api/v1/sessions/{body['id']}/"
    assert (body["number"], body["starts_at"], body["sequence"]) == (1, START, 0)
    assert [(i["position"], i["title"], (i["presenter"] or {}).get("id")) for i in body["agenda"]] == [
        (1, "Water and food", presenter.pk),
        (2, "Documents", None),
    ]
    first, second = body["agenda"]

    moved = client.patch(
        f"{LIST}{body['id']}/",
        {
            "starts_at": "2026-12-07T11:00:00-03:00",
            "ends_at": "2026-12-07T13:00:00-03:00",
            "reason": "The ministers arrive later.",
            "agenda": [
                {"id": second["id"], "title": "Documents and visas", "duration_minutes": 45},
                {"title": "Police coordination", "duration_minutes": 20},
            ],
        },
    )
    assert moved.status_code == 200, moved.json()
    moved = moved.json()
    assert (moved["starts_at"], moved["sequence"]) == ("2026-12-07T11:00:00-03:00", 1)
    assert [(i["id"] == second["id"], i["position"], i["title"]) for i in moved["agenda"]] == [
        (True, 1, "Documents and visas"),
        (False, 2, "Police coordination"),
    ]
    assert not AgendaItem.objects.filter(pk=first["id"]).exists()

    assert client.delete(f"{LIST}{body['id']}/").status_code == 204
    assert Session.objects.count() == 0
    deleted = client.get("/api/v1/sessions/deleted/", {"since": "2026-01-01T00:00:00Z"}).json()
    assert [(d["session_id"], d["uid"], d["committee"], d["number"]) for d in deleted["results"]] == [
        (body["id"], body["uid"], committee.slug, 1)
    ]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"starts_at": "2026-12-07T10:00:00"},
            {"starts_at": ["Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."]},
        ),
        ({"ends_at": "2026-12-07T09:00:00-03:00"}, {"ends_at": ["The session must end after it starts."]}),
        ({"committee": "no-such-committee"}, {"committee": ["Object with slug=no-such-committee does not exist."]}),
        ({"title": "x" * 301}, {"title": ["Ensure this field has no more than 300 characters."]}),
        (
            {"title": "Hello\r\nBcc: x@example.org"},
            {"title": ["Must be a single line without control characters (found '\\n', '\\r')."]},
        ),
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ["“Mars/Olympus” is not an IANA time zone name such as America/Lima."]},
        ),
        ({"starts_at": "9999-12-31T10:00:00+14:00"}, {"starts_at": ["Give a year from 1900 to 2200."]}),
        (
            {"agenda": [{"title": "Long", "duration_minutes": 121}]},
            {"agenda": ["The agenda lasts 121 minutes but the session only 120."]},
        ),
        (
            {"agenda": [{"title": "Kept?", "duration_minutes": 10, "id": 424242}]},
            {"agenda": ["Item 1: no item 424242 on this session's agenda."]},
        ),
        (
            {"agenda": [{"title": "Zero", "duration_minutes": 0}]},
            {"agenda": {"0": {"duration_minutes": ["Ensure this value is greater than or equal to 1."]}}},
        ),
        ({"status": "held"}, {"status": ["A session can only be marked held once it has started."]}),
    ],
)
def test_bad_writes_are_400_with_field_errors(overrides, errors):
    committee = CommitteeFactory()
    response = editor().post(LIST, _payload(committee, **overrides))
    assert (response.status_code, response.json()) == (400, errors)
    assert Session.objects.count() == 0


def test_overlap_is_400_naming_the_other_session():
    committee = CommitteeFactory()
    client = editor()
    assert client.post(LIST, _payload(committee, title="Border")).status_code == 201
    response = client.post(
        LIST, _payload(committee, starts_at="2026-12-07T11:00:00-03:00", ends_at="2026-12-07T13:00:00-03:00")
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "starts_at": [
                "Overlaps session 1 “Border” (2026-12-07 10:00 UTC-03:00 (America/Santiago) to "
                "2026-12-07 12:00 UTC-03:00 (America/Santiago))."
            ]
        },
    )


def test_patch_cannot_move_to_another_committee_or_set_server_fields():
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    client = editor()
    response = client.patch(f"{LIST}{session.pk}/", {"committee": CommitteeFactory().slug})
    assert (response.status_code, response.json()) == (
        400,
        {"committee": ["A session cannot be moved to another committee."]},
    )
    title = session.title
    response = client.patch(f"{LIST}{session.pk}/", {"sequence": 99, "uid": "x", "title": "Renamed"})
    assert (response.status_code, response.json()) == (
        400,
        {"uid": ["This field is set by the server."], "sequence": ["This field is set by the server."]},
    )
    session.refresh_from_db()
    assert (session.sequence, session.title) == (0, title)


def test_concurrent_overlapping_posts_one_wins():
    committee = CommitteeFactory()
    clients = [editor(), editor()]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post(client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(LIST, _payload(committee)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) in ([201, 400], [201, 409])
    assert Session.objects.count() == 1


test_concurrent_overlapping_posts_one_wins = pytest.mark.django_db(transaction=True)(
    test_concurrent_overlapping_posts_one_wins
)


def test_idempotency_key_returns_the_first_answer():
    committee = CommitteeFactory()
    client = editor()
    first = client.post(LIST, _payload(committee), HTTP_IDEMPOTENCY_KEY="create-2nd-session")
    again = client.post(LIST, _payload(committee), HTTP_IDEMPOTENCY_KEY="create-2nd-session")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Session.objects.count() == 1
    other = client.post(LIST, _payload(committee, title="Other"), HTTP_IDEMPOTENCY_KEY="create-2nd-session")
    assert (other.status_code, other.json()) == (
        422,
        {"detail": "This Idempotency-Key was already used for a different request."},
    )
    bad = client.post(LIST, _payload(committee), HTTP_IDEMPOTENCY_KEY=" ")
    assert (bad.status_code, bad.json()) == (
        400,
        {"Idempotency-Key": ["Use a printable key of at most 255 characters."]},
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_filters():
    chile = CommitteeFactory(slug="chile")
    a = SessionFactory(committee=chile, starts_at=datetime(2026, 1, 5, 13, 0, tzinfo=UTC))
    b = SessionFactory(committee=chile, starts_at=datetime(2026, 2, 2, 13, 0, tzinfo=UTC), status="cancelled")
    c = SessionFactory(starts_at=datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    Session.objects.filter(pk=a.pk).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    Session.objects.filter(pk=b.pk).update(updated_at=datetime(2026, 2, 1, tzinfo=UTC))
    Session.objects.filter(pk=c.pk).update(updated_at=datetime(2026, 3, 1, tzinfo=UTC))
    Committee.objects.update(updated_at=datetime(2025, 1, 1, tzinfo=UTC))
    client = reader()
    assert _ids(client.get(LIST)) == [a.pk, b.pk, c.pk]
    assert _ids(client.get(LIST, {"committee": "chile"})) == [a.pk, b.pk]
    assert _ids(client.get(LIST, {"status": "cancelled"})) == [b.pk]
    assert _ids(client.get(LIST, {"starts_after": "2026-02-02T10:00:00-03:00"})) == [b.pk, c.pk]
    assert _ids(client.get(LIST, {"starts_before": "2026-02-02T10:00:00-03:00"})) == [a.pk]
    assert _ids(client.get(LIST, {"updated_since": "2026-01-15T00:00:00Z"})) == [b.pk, c.pk]
    for name in ("starts_after", "starts_before", "updated_since"):
        response = client.get(LIST, {name: "2026-01-15T00:00:00"})
        assert (response.status_code, response.json()) == (
            400,
            {name: ["Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."]},
        )
    response = client.get(LIST, {"status": "tentative"})
    assert (response.status_code, response.json()) == (
        400,
        {"status": ["Select a valid choice. tentative is not one of the available choices."]},
    )


def test_pagination_bounds():
    committee = CommitteeFactory()
    Session.objects.bulk_create(
        [
            Session(
                committee=committee,
                number=n,
                title=f"S{n}",
                starts_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=n),
                ends_at=datetime(2030, 1, 1, 1, tzinfo=UTC) + timedelta(days=n),
                timezone="America/Lima",
                venue="Lima",
                host_country="PE",
            )
            for n in range(1, 503)
        ]
    )
    client = reader()
    page = client.get(LIST, {"page_size": 1}).json()
    assert (page["count"], len(page["results"]), page["previous"]) == (502, 1, None)
    assert page["next"] == "http://testserver/api/v1/sessions/?page=2&page_size=1"
    assert len(client.get(LIST).json()["results"]) == 50
    for bad in ("501", "0", "-1", "ten", ""):
        response = client.get(LIST, {"page_size": bad})
        assert (response.status_code, response.json()) == (400, {"page_size": ["Give a whole number from 1 to 500."]})
    last = client.get(LIST, {"page_size": 500, "page": 2}).json()
    assert (len(last["results"]), last["next"]) == (2, None)
    missing = client.get(LIST, {"page": 99})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Invalid page."})


def test_list_queries_do_not_grow_with_sessions():
    committee = CommitteeFactory()
    # A real token and a reader of one committee: their lookups are among the queries.
    client = token_client(reader_of(committee), scope=TokenScope.READ)
    client.get("/api/v1/")  # its first use is recorded once; later ones within a minute are not

    def make(count: int) -> None:
        for _ in range(count):
            session = SessionFactory(committee=committee)
            for position in range(1, 6):
                AgendaItemFactory(session=session, position=position, presenter=PersonFactory())
        schedule_changed()

    def queries() -> int:
        cached_bodies_forget()  # measure building the page, not serving it from the cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, {"page_size": 100})
        assert response.status_code == 200
        return len(captured)

    make(1)
    one = queries()
    make(49)
    assert client.get(LIST, {"page_size": 100}).json()["count"] == 50
    fifty = queries()
    # token, role and committees, language and schedule version in one; the page with its total;
    # the agendas with their presenters
    assert one == fifty == 3
    with CaptureQueriesContext(connection) as cached:
        assert client.get(LIST, {"page_size": 100}).status_code == 200
    assert len(cached) == 1  # token, role, committees, version: the body comes from the cache


def test_conditional_get_and_cache_invalidation(session, admin_client):
    client = reader()
    url = f"{LIST}{session.pk}/"
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    with CaptureQueriesContext(connection) as captured:
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (not_modified.status_code, not_modified.content, not_modified["ETag"]) == (304, b"", etag)
    # the token with the role, committees and schedule version, and nothing else: this process
    # answered for the session under this version (so it exists), and no body is built
    assert len(captured) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):  # Last-Modified waits for the second to end
        modified = client.get(url)["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"0-stale"').status_code == 200

    cached = client.get(LIST)
    with CaptureQueriesContext(connection) as captured:
        cached_again = client.get(LIST)
    assert cached.content == cached_again.content
    assert len(captured) == 1  # token, role, committees, version: the bytes were kept
    # service change → new body
    session_update(session=session, data={"title": "Renamed by a service"})
    changed = client.get(url)
    assert (changed.status_code, changed.json()["title"]) == (200, "Renamed by a service")
    assert changed["ETag"] != etag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # admin change → new body
    person = session.agenda_items.get().presenter
    response = admin_client.post(
        f"/admin/committees/person/{person.pk}/change/",
        {
            "full_name": "Luis Cordero Vega",
            "position": person.position,
            "organisation": person.organisation,
            "country": "CL",
            "email": "",
            "preferred_language": "es",
            "timezone": "America/Santiago",
            "receives_reminders": "on",
            **empty_inlines("memberships"),
        },
    )
    assert response.status_code == 302
    assert client.get(url).json()["agenda"][0]["presenter"]["full_name"] == "Luis Cordero Vega"
    # API change → new body
    editor().patch(url, {"venue": "Arica"})
    assert client.get(url).json()["venue"] == "Arica"


def test_updated_since_reports_cancelled_sessions():
    committee = CommitteeFactory()
    client = editor()
    created = client.post(LIST, _payload(committee)).json()
    presenter = PersonFactory()
    AgendaItemFactory(session=Session.objects.get(pk=created["id"]), position=1, presenter=presenter)
    Session.objects.filter(pk=created["id"]).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    Committee.objects.update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    Person.objects.update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    schedule_changed()
    since = {"updated_since": "2026-06-01T00:00:00Z"}
    assert _ids(client.get(LIST, since)) == []
    client.patch(f"{LIST}{created['id']}/", {"status": "cancelled", "reason": "No quorum."})
    rows = client.get(LIST, since).json()["results"]
    assert [(row["id"], row["status"], row["sequence"]) for row in rows] == [(created["id"], "cancelled", 1)]
    # a presenter renamed, or the committee renamed, changes the session's answer too
    Session.objects.filter(pk=created["id"]).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    schedule_changed()
    assert _ids(client.get(LIST, since)) == []
    presenter.full_name = "Renamed"
    presenter.save()
    schedule_changed()
    assert _ids(client.get(LIST, since)) == [created["id"]]
    Person.objects.update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    committee.name_en = "Renamed committee"
    committee.save()
    schedule_changed()
    assert _ids(client.get(LIST, since)) == [created["id"]]


def test_throttled_per_token(monkeypatch):
    from tracker.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "rate", "3/minute", raising=False)
    first, second = reader(), reader()
    assert [first.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(LIST).status_code == 200
    assert first.get(LIST).json()["detail"].startswith("Request was throttled.")


def test_agenda_items_endpoint(session):
    other = AgendaItemFactory(session=SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC)))
    schedule_changed()
    rows = reader().get("/api/v1/agenda-items/", {"session": session.pk}).json()["results"]
    assert [(row["session"], row["title"]) for row in rows] == [(session.pk, "Water and food")]
    rows = reader().get("/api/v1/agenda-items/", {"committee": other.session.committee.slug}).json()["results"]
    assert [row["id"] for row in rows] == [other.pk]


def test_tombstone_filter_needs_an_offset():
    response = reader().get("/api/v1/sessions/deleted/", {"since": "2026-01-01T00:00"})
    assert (response.status_code, response.json()) == (
        400,
        {"since": ["Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."]},
    )
    assert SessionTombstone.objects.count() == 0


def test_signed_in_staff_and_browsers_get_json(admin_client, session):
    page = admin_client.get(LIST, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert (page.status_code, page["Content-Type"]) == (200, "application/json")
    assert page.json()["results"][0]["title"] == session.title
    assert admin_client.get(LIST, HTTP_ACCEPT="text/html").status_code == 406
    assert admin_client.get("/api/v1/", HTTP_ACCEPT="application/json").json() == {
        "committees": "http://testserver/api/v1/committees/",
        "sessions/deleted": "http://testserver/api/v1/sessions/deleted/",
        "sessions": "http://testserver/api/v1/sessions/",
        "agenda-items": "http://testserver/api/v1/agenda-items/",
        "commitments": "http://testserver/api/v1/commitments/",
    }


def test_failed_request_frees_its_idempotency_key_and_racing_repeats_create_once():
    committee = CommitteeFactory()
    client = editor()
    bad = client.post(LIST, _payload(committee, ends_at=START), HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    good = client.post(LIST, _payload(committee), HTTP_IDEMPOTENCY_KEY="k1")
    assert good.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_key_create_once():
    committee = CommitteeFactory()
    user = administrator()
    clients = [token_client(user), token_client(user)]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, int | None]] = []

    def post(client) -> None:
        try:
            barrier.wait()
            response = client.post(LIST, _payload(committee), HTTP_IDEMPOTENCY_KEY="same")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = Session.objects.get()
    # The second either replays the first answer or is told the first is still running.
    assert sorted(answers) in ([(201, created.pk), (201, created.pk)], [(201, created.pk), (409, None)])


def test_weak_etags_and_changes_within_one_second(session):
    client = reader()
    url = f"{LIST}{session.pk}/"
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=f"W/{first['ETag']}").status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", {first["ETag"]}').status_code == 304
    noon = "Tue, 01 Jan 2030 12:00:00 GMT"
    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 0, 100_000, tzinfo=UTC), tick=False):
        session_update(session=session, data={"title": "First change"})
        served = client.get(url)
    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 0, 900_000, tzinfo=UTC), tick=False):
        session_update(session=session, data={"title": "Second change, same second"})
        # A copy dated 12:00:00 may predate this change: no 304 for it, and no date to send yet.
        again = client.get(url, HTTP_IF_MODIFIED_SINCE=noon)
    assert "Last-Modified" not in served
    assert (again.status_code, again.json()["title"], "Last-Modified" in again) == (
        200,
        "Second change, same second",
        False,
    )
    assert again["ETag"] != served["ETag"]
    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC), tick=False):
        later = client.get(url)
        not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=later["Last-Modified"])
    assert (later.status_code, later["Last-Modified"], later["ETag"]) == (200, noon, again["ETag"])
    assert (not_modified.status_code, not_modified["Last-Modified"]) == (304, noon)


def test_the_change_time_never_runs_ahead_of_the_clock(session):
    for _ in range(5):
        schedule_changed()
    assert schedule_version()[1] <= timezone.now()
    client = reader()
    url = f"{LIST}{session.pk}/"
    if "Last-Modified" in (response := client.get(url)):
        assert parse_http_date(response["Last-Modified"]) <= time.time()
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        assert parse_http_date(client.get(url)["Last-Modified"]) <= time.time()
    instant = datetime(2030, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    with time_machine.travel(instant, tick=False):
        for _ in range(3):
            schedule_changed()
        assert schedule_version()[1] == instant == timezone.now()
    schedule_changed(now=instant - timedelta(minutes=1))  # a clock set back
    assert schedule_version()[1] == instant


def test_missing_objects_are_404_whatever_the_client_holds():
    client = reader()
    for url in (f"{LIST}999999/", f"{LIST}999999.ics", "/api/v1/committees/nope/", "/api/v1/agenda-items/999999/"):
        response = client.get(url, HTTP_IF_NONE_MATCH="*", HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url


@pytest.mark.parametrize("value", ["²", "١٢", "1e3", "-1", " 1", "0x10", "9" * 30, "\x00", "1.5", "last"])
@pytest.mark.parametrize("parameter", ["page", "page_size"])
def test_odd_page_numbers_are_refused(parameter, value):
    response = reader().get(LIST, {parameter: value})
    assert response.status_code == (404 if parameter == "page" else 400)
    assert response.json() in ({"detail": "Invalid page."}, {"page_size": ["Give a whole number from 1 to 500."]})


@pytest.mark.parametrize("value", ["²", "tomorrow", "2026-13-01T00:00Z", "0001-01-01T00:00+14:00", "9" * 40, ""])
@pytest.mark.parametrize("parameter", ["starts_after", "starts_before", "updated_since", "status"])
def test_odd_filter_values_are_400(parameter, value):
    response = reader().get(LIST, {parameter: value})
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_every_write_path_invalidates_the_cached_list(admin_client):
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    schedule_changed()
    client = reader()

    def titles() -> list[tuple[str, str]]:
        return [(row["title"], row["status"]) for row in client.get(LIST).json()["results"]]

    assert titles() == [(session.title, "scheduled")]
    data = {
        "title": "Edited in the admin",
        "description": "",
        "status": "scheduled",
        "number": str(session.number),
        "starts_at": "2030-01-07T10:00",
        "ends_at": "2030-01-07T12:00",
        "timezone": "America/Santiago",
        "venue": "Santiago",
        "host_country": "CL",
        "reason": "The venue changed.",
        **empty_inlines("agenda_items", "invitees", "reminders"),
    }
    assert admin_client.post(f"/admin/meetings/session/{session.pk}/change/", data).status_code == 302
    assert titles() == [("Edited in the admin", "scheduled")]
    admin_client.post(
        "/admin/meetings/session/",
        {"action": "postpone_sessions", "_selected_action": [session.pk], "reason": "The ministers are travelling."},
    )
    assert titles() == [("Edited in the admin", "postponed")]
    editor().patch(f"{LIST}{session.pk}/", {"title": "Edited through the API"})
    assert titles() == [("Edited through the API", "postponed")]
    admin_client.post(f"/admin/meetings/session/{session.pk}/delete/", {"post": "yes"})
    assert titles() == []


def test_membership_change_invalidates_the_committee(admin_client):
    committee = CommitteeFactory(slug="chile-peru")
    schedule_changed()
    client = reader()
    assert client.get("/api/v1/committees/chile-peru/").json()["members"] == []
    person = PersonFactory()
    response = admin_client.post(
        "/admin/committees/membership/add/",
        {
            "person": str(person.pk),
            "committee": str(committee.pk),
            "role": "member",
            "delegation": "CL",
            "start_date": "2025-11-28",
            "end_date": "",
        },
    )
    assert response.status_code == 302
    members = client.get("/api/v1/committees/chile-peru/").json()["members"]
    assert [m["person"]["id"] for m in members] == [person.pk]


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("a\x00b", {"committee": ["Invalid value."]}),
        ("\udb3a", {"detail": "The body holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff), which is not text."}),
        ("\udb3a\ude0c\x00", {"committee": ["Invalid value."]}),  # a pair is one character; NUL is not storable
    ],
)
def test_text_no_database_can_hold_is_a_400(value, errors):
    CommitteeFactory(slug="x")
    body = json.dumps(_payload(CommitteeFactory(), committee=value))  # \u escapes, as a client sends them
    response = editor().post(LIST, body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, errors)
    assert reader().get("/api/v1/committees/a%00b/").status_code == 404
    assert APIClient().get("/calendar/abc.d%00ef.ics").status_code == 404


def test_nul_in_a_filter_is_a_400():
    response = reader().get(LIST, {"committee": "a\x00b"})
    assert (response.status_code, response.json()) == (400, {"committee": ["Null characters are not allowed."]})


# --- Bodies the parser refuses before any view or serializer reads them ---------------------

TOO_DEEP = {"detail": "The body nests deeper than 32 levels."}
LONE_SURROGATE = {"detail": "The body holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff), which is not text."}


def _raw(client, method: str, url: str, body: str):
    return getattr(client, method)(url, data=body.encode(), content_type="application/json")


def _nested(depth: int) -> str:
    """A JSON value whose lists nest `depth` deep."""
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("method", ["post", "patch"])
def test_json_nested_50000_deep_is_400(method):
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    url = LIST if method == "post" else f"{LIST}{session.pk}/"
    response = _raw(editor(), method, url, _nested(50_000))
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert list(Session.objects.values_list("pk", "sequence")) == [(session.pk, 0)]


def test_json_depth_limit_is_32_levels():
    committee = CommitteeFactory()
    payload = json.dumps(_payload(committee))
    # The body's object is level 1: a title nesting 31 lists is 32 levels, the most accepted.
    at_limit = _raw(editor(), "post", LIST, payload[:-1] + f', "title": {_nested(31)}}}')
    assert (at_limit.status_code, at_limit.json()) == (400, {"title": ["Not a valid string."]})
    past_limit = _raw(editor(), "post", LIST, payload[:-1] + f', "title": {_nested(32)}}}')
    assert (past_limit.status_code, past_limit.json()) == (400, TOO_DEEP)
    assert Session.objects.count() == 0


@pytest.mark.parametrize("field", ["timezone", "status", "host_country", "title", "venue", "committee"])
@pytest.mark.parametrize("method", ["post", "patch"])
def test_lone_surrogate_in_a_field_is_400(method, field):
    committee = CommitteeFactory()
    session = SessionFactory(committee=committee, starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    body = json.dumps(_payload(committee, **{field: "PLACEHOLDER"})).replace("PLACEHOLDER", "\\ud800")
    response = _raw(editor(), method, LIST if method == "post" else f"{LIST}{session.pk}/", body)
    assert (response.status_code, response.json()) == (400, LONE_SURROGATE)
    assert list(Session.objects.values_list("pk", "sequence")) == [(session.pk, 0)]


@pytest.mark.parametrize(
    "body",
    [
        '{"timezone": "America/Lima\\udfff"}',  # a low half alone
        '{"\\ud800": 1}',  # in a key
        '{"agenda": [{"title": "Water \\ud83d", "duration_minutes": 10}]}',  # a high half without its low one
        '{"agenda": [{"title": "Water", "duration_minutes": 10, "x\\udc00": {"y": ["\\ud800"]}}]}',
    ],
)
def test_lone_surrogate_anywhere_in_the_body_is_400(body):
    session = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    response = _raw(editor(), "patch", f"{LIST}{session.pk}/", body)
    assert (response.status_code, response.json()) == (400, LONE_SURROGATE)


def test_a_surrogate_pair_is_one_character_and_accepted():
    committee = CommitteeFactory()
    body = json.dumps(_payload(committee, title="Water and food \U0001f30a"))  # written as "\ud83c\udf0a"
    assert "\\ud83c\\udf0a" in body
    response = _raw(editor(), "post", LIST, body)
    assert (response.status_code, response.json()["title"]) == (201, "Water and food \U0001f30a")


def test_a_refused_body_with_an_idempotency_key_leaves_the_key_free():
    committee = CommitteeFactory()
    client = editor()
    body = json.dumps(_payload(committee, venue="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800")
    refused = client.post(LIST, data=body.encode(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (refused.status_code, refused.json()) == (400, LONE_SURROGATE)
    accepted = client.post(LIST, _payload(committee), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (accepted.status_code, Session.objects.count()) == (201, 1)


# --- Server-set fields inside agenda items --------------------------------------------------

SET_BY_SERVER = ["This field is set by the server."]


def test_server_set_fields_of_agenda_items_are_refused_naming_them():
    committee = CommitteeFactory()
    agenda = [
        {"title": "Water", "duration_minutes": 10, "session": 7, "created_at": "2025-12-01T10:00:00Z"},
        {"title": "Visas", "duration_minutes": 10},
        {"title": "Police", "duration_minutes": 10, "position": 1, "updated_at": "2025-12-01T10:00:00Z"},
    ]
    response = editor().post(LIST, _payload(committee, agenda=agenda))
    assert (response.status_code, response.json()) == (
        400,
        {
            "agenda": {
                "0": {"session": SET_BY_SERVER, "created_at": SET_BY_SERVER},
                "2": {"position": SET_BY_SERVER, "updated_at": SET_BY_SERVER},
            }
        },
    )
    assert (Session.objects.count(), AgendaItem.objects.count()) == (0, 0)


def test_server_set_fields_are_named_beside_the_other_errors():
    committee = CommitteeFactory()
    response = editor().post(
        LIST,
        _payload(committee, uid="x", title="", agenda=[{"title": "Water", "duration_minutes": 0, "created_at": "x"}]),
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "uid": SET_BY_SERVER,
            "title": ["This field may not be blank."],
            "agenda": {
                "0": {
                    "duration_minutes": ["Ensure this value is greater than or equal to 1."],
                    "created_at": SET_BY_SERVER,
                }
            },
        },
    )


def test_patch_keeps_an_item_by_id_but_refuses_its_server_set_fields(session):
    item = session.agenda_items.get()
    client = editor()
    kept = {"id": item.pk, "title": "Water and food", "duration_minutes": 30}
    response = client.patch(f"{LIST}{session.pk}/", {"agenda": [{**kept, "session": session.pk, "position": 1}]})
    assert (response.status_code, response.json()) == (
        400,
        {"agenda": {"0": {"session": SET_BY_SERVER, "position": SET_BY_SERVER}}},
    )
    response = client.patch(f"{LIST}{session.pk}/", {"agenda": [kept]})
    assert (response.status_code, [(i["id"], i["position"]) for i in response.json()["agenda"]]) == (
        200,
        [(item.pk, 1)],
    )


# --- The agenda's length ---------------------------------------------------------------------


def _items(count: int) -> list[dict]:
    return [{"title": f"Item {n}", "duration_minutes": 1} for n in range(1, count + 1)]


def test_agenda_at_the_cap_is_saved():
    response = editor().post(LIST, _payload(CommitteeFactory(), agenda=_items(60)))
    assert response.status_code == 201, response.json()
    assert [(i["position"], i["title"]) for i in response.json()["agenda"]] == [(n, f"Item {n}") for n in range(1, 61)]


def test_agenda_past_the_cap_is_400_and_nothing_is_saved(session):
    client = editor()
    response = client.post(LIST, _payload(CommitteeFactory(), agenda=_items(61)))
    assert (response.status_code, response.json()) == (400, {"agenda": ["An agenda may hold at most 60 items."]})
    response = client.patch(f"{LIST}{session.pk}/", {"title": "Renamed", "agenda": _items(61)})
    assert (response.status_code, response.json()) == (400, {"agenda": ["An agenda may hold at most 60 items."]})
    session.refresh_from_db()
    assert (Session.objects.count(), session.title, session.agenda_items.count()) == (1, "First session", 1)


def test_agenda_cap_is_a_setting(settings):
    settings.AGENDA_MAX_ITEMS = 3
    client = editor()
    committee = CommitteeFactory()
    refused = client.post(LIST, _payload(committee, agenda=_items(4)))
    assert (refused.status_code, refused.json()) == (400, {"agenda": ["An agenda may hold at most 3 items."]})
    assert client.post(LIST, _payload(committee, agenda=_items(3))).status_code == 201
