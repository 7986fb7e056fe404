from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import AgendaItem, Change, Invitee, Reminder, Session, SessionTombstone
from tests.admin_forms import formset as inline_rows
from tests.factories import AgendaItemFactory, CommitteeFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/meetings/session/add/"
LIST_URL = "/admin/meetings/session/"


def _session_post(committee, /, *, agenda=(), invitees=(), **overrides) -> dict:
    data = {
        "committee": str(committee.pk),
        "number": "",
        "title": "Second session",
        "description": "",
        "status": "scheduled",
        "starts_at": "2026-12-07T10:00",
        "ends_at": "2026-12-07T12:00",
        "timezone": "America/Santiago",
        "venue": "Ministry of Foreign Affairs, Santiago",
        "host_country": "CL",
        **overrides,
    }
    data.update(inline_rows("agenda_items", list(agenda)))
    data.update(inline_rows("invitees", list(invitees)))
    data.update(inline_rows("reminders", []))
    return data


def _errors(response) -> dict:
    form = response.context["adminform"].form
    return {field: list(messages) for field, messages in form.errors.items()}


def test_add_session_with_agenda_and_invitee_in_venue_time(admin_client):
    committee, presenter, guest = CommitteeFactory(), PersonFactory(), PersonFactory()
    response = admin_client.post(
        ADD_URL,
        _session_post(
            committee,
            agenda=[
                {
                    "position": "2",
                    "title": "Documents and visas",
                    "duration_minutes": "45",
                    "presenter": str(presenter.pk),
                },
                {"position": "1", "title": "Water and food", "duration_minutes": "30"},
            ],
            invitees=[{"person": str(guest.pk), "note": "IOM liaison"}],
        ),
    )
    assert response.status_code == 302, _errors(response)
    session = Session.objects.get()
    # 10:00 in Santiago on 7 December (summer time, UTC-3) is 13:00 UTC.
    assert (session.number, session.starts_at, session.ends_at, session.timezone, session.sequence) == (
        1,
        datetime(2026, 12, 7, 13, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
        "America/Santiago",
        0,
    )
    assert list(session.agenda_items.values_list("position", "title", "presenter")) == [
        (1, "Water and food", None),
        (2, "Documents and visas", presenter.pk),
    ]
    assert list(Invitee.objects.values_list("session", "person", "note")) == [(session.pk, guest.pk, "IOM liaison")]


def test_dst_gap_time_is_refused_and_nothing_saved(admin_client):
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(),
            starts_at="2026-09-06T00:30",
            ends_at="2026-09-06T02:00",
        ),
    )
    assert response.status_code == 200
    assert _errors(response) == {
        "starts_at": [
            "2026-09-06 00:30 does not exist in America/Santiago: the clocks skip that hour for daylight saving time. "
            "Choose a time outside the gap."
        ]
    }
    assert Session.objects.count() == 0


def test_repeated_hour_is_refused(admin_client):
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(),
            starts_at="2026-04-04T21:00",
            ends_at="2026-04-04T23:30",
        ),
    )
    assert _errors(response) == {
        "ends_at": [
            "2026-04-04 23:30 happens twice in America/Santiago: the clocks repeat that hour when daylight saving time "
            "ends. Choose a time outside the repeated hour."
        ]
    }
    assert Session.objects.count() == 0


def test_same_wall_clock_in_lima_is_fine(admin_client):
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(),
            starts_at="2026-09-06T00:30",
            ends_at="2026-09-06T02:00",
            timezone="America/Lima",
        ),
    )
    assert response.status_code == 302
    assert Session.objects.get().starts_at == datetime(2026, 9, 6, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"ends_at": "2026-12-07T09:00"}, {"ends_at": ["The session must end after it starts."]}),
        ({"starts_at": "tomorrow"}, {"starts_at": ["Enter a date and time such as 2025-12-01 10:00."]}),
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]},
        ),
        (
            {"title": "Hello\r\nBcc: x@example.org"},
            {"title": ["Must be a single line without control characters (found '\\n', '\\r')."]},
        ),
        ({"title": "x" * 301}, {"title": ["Ensure this value has at most 300 characters (it has 301)."]}),
        ({"status": "held"}, {"status": ["A session can only be marked held once it has started."]}),
        (
            {"committee": "999999"},
            {"committee": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
    ],
)
def test_bad_input_is_a_form_error(admin_client, overrides, expected):
    response = admin_client.post(ADD_URL, _session_post(CommitteeFactory(), **overrides))
    assert response.status_code == 200
    assert _errors(response) == expected
    assert Session.objects.count() == 0


def test_overlap_is_a_form_error(admin_client):
    existing = SessionFactory(number=1, starts_at=datetime(2026, 12, 7, 14, 0, tzinfo=UTC), title="Existing")
    response = admin_client.post(ADD_URL, _session_post(existing.committee))
    assert _errors(response) == {
        "starts_at": [
            "Overlaps session 1 “Existing” (2026-12-07 11:00 UTC-03:00 (America/Santiago) to "
            "2026-12-07 13:00 UTC-03:00 (America/Santiago))."
        ]
    }
    assert Session.objects.count() == 1


def test_agenda_longer_than_session_is_an_inline_error(admin_client):
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(),
            agenda=[
                {"position": "1", "title": "One", "duration_minutes": "90"},
                {"position": "2", "title": "Two", "duration_minutes": "31"},
            ],
        ),
    )
    assert response.status_code == 200
    agenda_formset = response.context["inline_admin_formsets"][0].formset
    assert agenda_formset.non_form_errors() == ["The agenda lasts 121 minutes but the session only 120."]
    assert (Session.objects.count(), AgendaItem.objects.count()) == (0, 0)


def _change_post(session, agenda_rows, **overrides) -> dict:
    data = _session_post(session.committee, **overrides)
    del data["committee"]
    data["number"] = str(session.number)
    data.update(inline_rows("agenda_items", agenda_rows, initial=session.agenda_items.count()))
    return data


def test_reorder_agenda_by_swapping_positions_and_move_session(admin_client):
    session = SessionFactory(starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    first = AgendaItemFactory(session=session, position=1, title="First")
    second = AgendaItemFactory(session=session, position=2, title="Second")
    rows = [
        {"id": str(first.pk), "session": str(session.pk), "position": "2", "title": "First", "duration_minutes": "20"},
        {
            "id": str(second.pk),
            "session": str(session.pk),
            "position": "1",
            "title": "Second",
            "duration_minutes": "20",
        },
    ]
    response = admin_client.post(
        f"/admin/meetings/session/{session.pk}/change/",
        _change_post(session, rows, starts_at="2026-12-07T11:00", ends_at="2026-12-07T13:00", reason="Otra sala"),
    )
    assert response.status_code == 302, _errors(response)
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (datetime(2026, 12, 7, 14, 0, tzinfo=UTC), 1)
    assert list(session.agenda_items.values_list("pk", "position")) == [(second.pk, 1), (first.pk, 2)]


def test_change_form_shows_wall_clock_and_both_capitals(admin_client):
    session = SessionFactory(starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    response = admin_client.get(f"/admin/meetings/session/{session.pk}/change/")
    page = response.content.decode()
    assert 'name="starts_at" value="2026-12-07T10:00"' in page
    assert (
        "<tr><th scope='row'>Lima</th><td>2026-12-07 08:00 UTC-05:00 (America/Lima)</td>"
        "<td>2026-12-07 10:00 UTC-05:00 (America/Lima)</td></tr>"
    ) in page
    assert (
        "<tr><th scope='row'>Santiago</th><td>2026-12-07 10:00 UTC-03:00 (America/Santiago)</td>"
        "<td>2026-12-07 12:00 UTC-03:00 (America/Santiago)</td></tr>"
    ) in page


def test_changelist_shows_three_clocks(admin_client):
    SessionFactory(starts_at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC), timezone="America/Lima")
    response = admin_client.get(LIST_URL)
    result = response.context["cl"].result_list[0]
    admin = response.context["cl"].model_admin
    assert (admin.venue_time(result), admin.lima_time(result), admin.santiago_time(result)) == (
        "2026-06-01 09:00 UTC-05:00 (America/Lima)",
        "Mon 2026-06-01 09:00 UTC-05:00",
        "Mon 2026-06-01 10:00 UTC-04:00",
    )
    assert "Mon 2026-06-01 10:00 UTC-04:00" in response.content.decode()


def _changelist_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_session_changelist_queries_do_not_grow_with_rows(admin_client):
    committee = CommitteeFactory()
    SessionFactory(committee=committee)
    one = _changelist_queries(admin_client, LIST_URL)
    SessionFactory.create_batch(20, committee=CommitteeFactory())
    assert _changelist_queries(admin_client, LIST_URL) == one


def test_filters_search_and_date_hierarchy(admin_client):
    wanted = SessionFactory(title="Border", host_country="PE", starts_at=datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    SessionFactory(title="Visas", host_country="CL", starts_at=datetime(2026, 4, 6, 13, 0, tzinfo=UTC))
    for query in (
        "?host_country=PE",
        "?q=Border",
        "?starts_at__year=2026&starts_at__month=3",
        f"?committee__id__exact={wanted.committee_id}",
        "?status__exact=scheduled&q=bord",
    ):
        response = admin_client.get(LIST_URL + query)
        assert list(response.context["cl"].result_list) == [wanted], query


def _action(client, action, sessions, reason=""):
    data = {"action": action, "_selected_action": [str(s.pk) for s in sessions], "reason": reason}
    return client.post(LIST_URL, data, follow=True)


def test_actions_cancel_postpone_and_mark_held(admin_client):
    past = SessionFactory(starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC))
    future = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    response = _action(admin_client, "mark_sessions_held", [past, future])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 session marked held.",
        f"{future}: A session can only be marked held once it has started.",
    ]
    response = _action(admin_client, "postpone_sessions", [future])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{future}: Say why the session is moved, postponed or cancelled: the other delegation is told."
    ]
    assert Session.objects.get(pk=future.pk).status == "scheduled"
    response = _action(admin_client, "postpone_sessions", [future], reason="Crisis en la frontera")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 session postponed."]
    assert list(Change.objects.values_list("session_id", "reason", "changes")) == [
        (future.pk, "Crisis en la frontera", [{"field": "status", "old": "scheduled", "new": "postponed"}])
    ]
    assert Session.history.filter(id=future.pk).first().history_change_reason == "Crisis en la frontera"
    assert "<div>Status: Scheduled → Postponed</div>" in admin_client.get("/admin/meetings/change/").content.decode()
    response = _action(admin_client, "cancel_sessions", [past, future], reason="Sin fecha posible")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 session cancelled.",
        f"{past}: A held session cannot become cancelled.",
    ]
    assert dict(Session.objects.values_list("pk", "status")) == {past.pk: "held", future.pk: "cancelled"}
    assert dict(Session.objects.values_list("pk", "sequence")) == {past.pk: 1, future.pk: 2}


def test_add_form_proposes_the_only_committee_and_its_zone(admin_client):
    committee = CommitteeFactory(default_timezone="America/Santiago")
    form = admin_client.get(ADD_URL).context["adminform"].form
    assert (form.initial["committee"], form.initial["timezone"]) == (committee.pk, "America/Santiago")


def test_agenda_item_list_is_read_only(admin_client):
    item = AgendaItemFactory()
    assert admin_client.get("/admin/meetings/agendaitem/").status_code == 200
    assert admin_client.get(f"/admin/meetings/agendaitem/{item.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/meetings/agendaitem/{item.pk}/change/", {"title": "x"}).status_code == 403


def test_agenda_item_changelist_queries_do_not_grow_with_rows(admin_client):
    AgendaItemFactory(presenter=PersonFactory())
    one = _changelist_queries(admin_client, "/admin/meetings/agendaitem/")
    for _ in range(10):
        AgendaItemFactory(presenter=PersonFactory())
    assert _changelist_queries(admin_client, "/admin/meetings/agendaitem/") == one


def test_same_invitee_twice_is_a_form_error(admin_client):
    guest = PersonFactory()
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(),
            invitees=[
                {"person": str(guest.pk), "note": ""},
                {"person": str(guest.pk), "note": "again"},
            ],
        ),
    )
    assert response.status_code == 200
    invitees = response.context["inline_admin_formsets"][1].formset
    assert invitees.non_form_errors() == ["Please correct the duplicate data for person."]
    assert (Session.objects.count(), Invitee.objects.count()) == (0, 0)


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_when_filter(admin_client):
    past = SessionFactory(starts_at=datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    soon = SessionFactory(starts_at=datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
    later = SessionFactory(starts_at=datetime(2026, 12, 21, 13, 0, tzinfo=UTC))
    far = SessionFactory(starts_at=datetime(2027, 3, 1, 13, 0, tzinfo=UTC))
    expected = {"upcoming": {soon, later, far}, "next7": {soon}, "next30": {soon, later}, "past": {past}}
    for when, sessions in expected.items():
        assert set(admin_client.get(f"{LIST_URL}?when={when}").context["cl"].result_list) == sessions, when


def test_broken_zone_and_time_on_change_form_is_a_form_error(admin_client):
    session = SessionFactory(number=1)
    AgendaItemFactory(session=session, position=1)
    data = _change_post(session, [], timezone="Mars/Olympus", ends_at="garbage")
    data.update(
        inline_rows(
            "agenda_items",
            [
                {
                    "id": str(session.agenda_items.get().pk),
                    "session": str(session.pk),
                    "position": "1",
                    "title": "Item",
                    "duration_minutes": "20",
                },
            ],
            initial=1,
        )
    )
    response = admin_client.post(f"/admin/meetings/session/{session.pk}/change/", data)
    assert response.status_code == 200
    assert _errors(response) == {
        "ends_at": ["Enter a date and time such as 2025-12-01 10:00."],
        "timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."],
    }


def test_far_years_are_refused(admin_client):
    response = admin_client.post(
        ADD_URL,
        _session_post(
            CommitteeFactory(), starts_at="9999-12-31T20:00", ends_at="9999-12-31T21:00", timezone="America/Lima"
        ),
    )
    assert _errors(response) == {
        "starts_at": ["Give a year from 1900 to 2200."],
        "ends_at": ["Give a year from 1900 to 2200."],
    }


def test_add_form_ignores_a_bad_committee_parameter(admin_client):
    committee = CommitteeFactory()
    response = admin_client.get(ADD_URL + "?committee=abc")
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["committee"] == committee.pk


def test_postponed_session_moved_onto_another_is_a_form_error(admin_client):
    other = SessionFactory(number=1, title="Other", starts_at=datetime(2026, 12, 14, 13, 0, tzinfo=UTC))
    postponed = SessionFactory(
        committee=other.committee, number=2, status="postponed", starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    )
    data = _change_post(postponed, [], status="postponed", starts_at="2026-12-14T10:30", ends_at="2026-12-14T11:30")
    response = admin_client.post(f"/admin/meetings/session/{postponed.pk}/change/", data)
    assert _errors(response) == {
        "starts_at": [
            "Overlaps session 1 “Other” (2026-12-14 10:00 UTC-03:00 (America/Santiago) to "
            "2026-12-14 12:00 UTC-03:00 (America/Santiago))."
        ]
    }
    postponed.refresh_from_db()
    assert (postponed.status, postponed.starts_at) == ("postponed", datetime(2026, 12, 7, 13, 0, tzinfo=UTC))


def test_session_in_the_repeated_hour_stays_editable(admin_client):
    # 03:30 UTC on 5 April 2026 is the second 23:30 of 4 April in Santiago.
    session = SessionFactory(
        number=1, starts_at=datetime(2026, 4, 5, 3, 30, tzinfo=UTC), ends_at=datetime(2026, 4, 5, 5, 0, tzinfo=UTC)
    )
    data = _change_post(session, [], title="Renamed", starts_at="2026-04-04T23:30", ends_at="2026-04-05T01:00")
    response = admin_client.post(f"/admin/meetings/session/{session.pk}/change/", data)
    assert response.status_code == 302, _errors(response)
    session.refresh_from_db()
    assert (session.title, session.starts_at, session.sequence) == (
        "Renamed",
        datetime(2026, 4, 5, 3, 30, tzinfo=UTC),
        0,
    )


def test_held_session_cannot_be_deleted(admin_client):
    held = SessionFactory(status="held", starts_at=datetime(2025, 12, 1, 13, 0, tzinfo=UTC))
    scheduled = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    assert admin_client.post(f"/admin/meetings/session/{held.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(f"/admin/meetings/session/{scheduled.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Session.objects.all()) == [held]
    assert list(SessionTombstone.objects.values_list("session_id", "number")) == [(scheduled.pk, scheduled.number)]


def test_a_session_people_were_reminded_of_is_cancelled_not_deleted(admin_client):
    reminded = SessionFactory(starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=UTC))
    Reminder.objects.create(
        session=reminded,
        person=PersonFactory(),
        kind="invitation",
        due_at=datetime(2029, 12, 1, tzinfo=UTC),
        next_attempt_at=datetime(2029, 12, 1, tzinfo=UTC),
        state="sent",
        message_id="<sent@tracker.test>",
    )
    page = admin_client.get(f"/admin/meetings/session/{reminded.pk}/change/")
    assert page.context["has_delete_permission"] is False
    assert admin_client.post(f"/admin/meetings/session/{reminded.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [str(reminded.pk)], "post": "yes"}
    )
    assert response.status_code == 403  # the list's deletion asks each row's permission too
    assert list(Session.objects.all()) == [reminded]
    assert list(SessionTombstone.objects.all()) == []


# --- The agenda's length in the admin ------------------------------------------------------


class _SessionForm(HTMLParser):
    """The fields of the session's change form as a browser submits them (the hidden row templates
    included), in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data) -> None:
        if self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag) -> None:
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _as_a_browser_posts(page: str) -> dict:
    form = page[page.index('id="session_form"') :]
    parser = _SessionForm()
    parser.feed(form[: form.index("</form>")])
    return {**dict(parser.fields), "_save": "Save"}


def _session_with_agenda(items: int) -> Session:
    session = SessionFactory(
        starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC), ends_at=datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    )
    presenter = PersonFactory(full_name="Elizabeth Astete")
    for position in range(1, items + 1):
        AgendaItemFactory(
            session=session,
            position=position,
            title=f"Item {position}",
            presenter=presenter if position % 2 else None,
            duration_minutes=5,
            description="Border crossings at Chacalluta–Santa Rosa.",
        )
    return session


def test_the_agenda_inline_offers_up_to_the_cap(admin_client):
    full, one_short = _session_with_agenda(60), _session_with_agenda(59)
    formsets = {
        session.pk: admin_client.get(f"/admin/meetings/session/{session.pk}/change/")
        .context["inline_admin_formsets"][0]
        .formset
        for session in (full, one_short)
    }
    assert {pk: (formset.max_num, len(formset.forms)) for pk, formset in formsets.items()} == {
        full.pk: (60, 60),  # no blank row past the cap
        one_short.pk: (60, 60),
    }


def test_a_session_with_the_longest_agenda_is_saved_from_its_change_page(admin_client):
    session = _session_with_agenda(60)
    url = f"/admin/meetings/session/{session.pk}/change/"
    data = _as_a_browser_posts(admin_client.get(url).content.decode())
    assert len(data) <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS - 250  # 700 fields: room is left for 50 invitees
    data.update({"title": "Renamed", "agenda_items-0-title": "Opening", "agenda_items-59-duration_minutes": "10"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, _errors(response)
    session.refresh_from_db()
    assert session.title == "Renamed"
    assert list(session.agenda_items.values_list("position", "title", "duration_minutes")) == [
        (1, "Opening", 5),
        *((n, f"Item {n}", 5) for n in range(2, 60)),
        (60, "Item 60", 10),
    ]


def test_an_agenda_past_the_cap_is_a_form_error_and_nothing_is_saved(admin_client):
    session = _session_with_agenda(60)
    title = session.title
    url = f"/admin/meetings/session/{session.pk}/change/"
    data = _as_a_browser_posts(admin_client.get(url).content.decode())
    data.update(
        {
            "title": "Renamed",
            "agenda_items-TOTAL_FORMS": "61",
            "agenda_items-60-position": "61",
            "agenda_items-60-title": "One too many",
            "agenda_items-60-duration_minutes": "5",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "An agenda may hold at most 60 items."
    ]
    session.refresh_from_db()
    assert (session.title, session.agenda_items.count(), session.sequence) == (title, 60, 0)


def test_a_new_session_past_the_cap_is_a_form_error(admin_client, settings):
    settings.AGENDA_MAX_ITEMS = 2
    rows = [{"position": str(n), "title": f"Item {n}", "duration_minutes": "10"} for n in (1, 2, 3)]
    response = admin_client.post(ADD_URL, _session_post(CommitteeFactory(), agenda=rows))
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "An agenda may hold at most 2 items."
    ]
    assert (Session.objects.count(), AgendaItem.objects.count()) == (0, 0)
    response = admin_client.post(ADD_URL, _session_post(CommitteeFactory(), agenda=rows[:2]))
    assert (response.status_code, AgendaItem.objects.count()) == (302, 2)


def _change_page(client, session: Session) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/meetings/session/{session.pk}/change/")
    assert response.status_code == 200
    return len(queries), len(response.content), response.content.decode()


def test_the_change_page_of_the_longest_agenda_stays_light(admin_client):
    one_query_count, one_size, _page = _change_page(admin_client, _session_with_agenda(1))
    longest = _session_with_agenda(60)
    queries, size, page = _change_page(admin_client, longest)
    assert queries == one_query_count
    assert size < 450_000 and (size - one_size) / 59 < 6_000  # bytes: the whole page, and each row
    # Each row with a presenter names them, without a query of its own.
    presenter = longest.agenda_items.get(position=1).presenter
    assert page.count(f'<option value="{presenter.pk}" selected>Elizabeth Astete</option>') == 30


def test_moving_a_session_without_a_reason_is_a_form_error_and_saves_nothing(admin_client):
    session = SessionFactory(starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    response = admin_client.post(
        f"/admin/meetings/session/{session.pk}/change/",
        _change_post(session, [], starts_at="2026-12-07T11:00", ends_at="2026-12-07T13:00"),
    )
    assert response.status_code == 200
    assert _errors(response) == {
        "reason": ["Say why the session is moved, postponed or cancelled: the other delegation is told."]
    }
    session.refresh_from_db()
    assert (session.starts_at, Change.objects.count()) == (datetime(2026, 12, 7, 13, 0, tzinfo=UTC), 0)


def test_a_change_that_does_not_move_the_session_needs_no_reason(admin_client):
    session = SessionFactory(starts_at=datetime(2026, 12, 7, 13, 0, tzinfo=UTC), title="Antes")
    response = admin_client.post(
        f"/admin/meetings/session/{session.pk}/change/",
        _change_post(session, [], starts_at="2026-12-07T10:00", ends_at="2026-12-07T12:00", title="Después"),
    )
    assert response.status_code == 302, _errors(response)
    assert (Session.objects.get().title, Change.objects.count()) == ("Después", 0)
