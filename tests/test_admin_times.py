"""Every instant the staff site shows names its zone: on the staff clock (the server's TIME_ZONE,
America/Lima here) with Santiago's beside it for reminders, and a session's time on the venue's
clock and both capitals'. The texts are the same in English and Spanish; only the labels change."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test.html import Element, parse_html

from meetings.choices import ReminderKind, ReminderState
from meetings.models import Reminder, Session
from tests.factories import AgendaItemFactory, CommitteeFactory, InviteeFactory, MembershipFactory, SessionFactory
from tests.zoned_times import unzoned_times
from tracker.models import ApiToken, UserPreferences
from tracker.timezones import format_for_staff, format_on_session_clocks
from tracker.tokens import api_token_create, calendar_feed_create, calendar_feed_revoke

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
MOVED = datetime(2026, 11, 21, 16, 45, tzinfo=UTC)
STARTS = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
MOVED_TO = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

# The known instants as staff read them.
CREATED_TEXT = "2026-11-20 09:30 UTC-05:00 (America/Lima)"
MOVED_TEXT = "2026-11-21 11:45 UTC-05:00 (America/Lima)"
# A session's start and end, before and after it moved, on the venue's clock and the capitals'.
SESSION_TEXT = (
    "2026-11-30 12:00 UTC-03:00 (America/Santiago) · Lima 2026-11-30 10:00 UTC-05:00 · "
    "Santiago 2026-11-30 12:00 UTC-03:00"
)
ENDS_TEXT = (
    "2026-11-30 14:00 UTC-03:00 (America/Santiago) · Lima 2026-11-30 12:00 UTC-05:00 · "
    "Santiago 2026-11-30 14:00 UTC-03:00"
)
MOVED_SESSION_TEXT = (
    "2026-12-01 12:00 UTC-03:00 (America/Santiago) · Lima 2026-12-01 10:00 UTC-05:00 · "
    "Santiago 2026-12-01 12:00 UTC-03:00"
)
MOVED_ENDS_TEXT = (
    "2026-12-01 14:00 UTC-03:00 (America/Santiago) · Lima 2026-12-01 12:00 UTC-05:00 · "
    "Santiago 2026-12-01 14:00 UTC-03:00"
)
SENT_DUE = "2026-11-29 10:00 UTC-05:00 (America/Lima) · Santiago 2026-11-29 12:00 UTC-03:00"
SENT_CLAIMED = "2026-11-29 10:00 UTC-05:00 (America/Lima) · Santiago 2026-11-29 12:00 UTC-03:00"
SENT_AT = "2026-11-29 10:01 UTC-05:00 (America/Lima) · Santiago 2026-11-29 12:01 UTC-03:00"
PENDING_DUE = "2026-11-30 09:00 UTC-05:00 (America/Lima) · Santiago 2026-11-30 11:00 UTC-03:00"

LANGUAGES = {
    "en": {"due": "Due", "sent": "Sent", "session_starts": "Session starts", "next_attempt": "Next attempt"},
    "es": {
        "due": "Fecha prevista",
        "sent": "Enviado",
        "session_starts": "Inicio de la sesión",
        "next_attempt": "Próximo intento",
    },
}


@pytest.fixture(autouse=True)
def _staff_clock(settings):
    settings.TIME_ZONE = "America/Lima"


@pytest.fixture
def world(admin_user):
    """A session in Santiago with a reminder sent and one pending, moved once by an administrator;
    an API token and a revoked calendar address."""
    with time_machine.travel(CREATED, tick=False):
        committee = CommitteeFactory(slug="chile-peru")
        member = MembershipFactory(committee=committee, delegation="CL").person
        session = SessionFactory(committee=committee, number=1, title="Border", starts_at=STARTS)
        AgendaItemFactory(session=session, position=1, title="Opening")
        InviteeFactory(session=session)
        sent = Reminder.objects.create(
            session=session,
            person=member,
            kind=ReminderKind.REMINDER,
            offset_minutes=24 * 60,
            due_at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC),
            next_attempt_at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC),
            claimed_at=datetime(2026, 11, 29, 15, 0, 20, tzinfo=UTC),
            sent_at=datetime(2026, 11, 29, 15, 1, 5, tzinfo=UTC),
            state=ReminderState.SENT,
            attempts=1,
            message_id="<sent@tracker.test>",
        )
        pending = Reminder.objects.create(
            session=session,
            person=member,
            kind=ReminderKind.REMINDER,
            offset_minutes=60,
            due_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
            next_attempt_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
            message_id="<pending@tracker.test>",
        )
        token, _value = api_token_create(
            user=admin_user, name="dashboard", expires_at=datetime(2027, 5, 20, 5, 0, tzinfo=UTC)
        )
        feed = calendar_feed_create(user=admin_user)
        UserPreferences.objects.create(user=admin_user, language="")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=datetime(2026, 11, 25, 20, 15, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 26, 13, 0, tzinfo=UTC), tick=False):
        calendar_feed_revoke(feed=feed)
    with time_machine.travel(MOVED, tick=False):
        session.starts_at, session.ends_at = MOVED_TO, MOVED_TO.replace(hour=17)
        session._history_user = admin_user
        session.save()
    return {"session": session, "sent": sent, "pending": pending, "token": token, "feed": feed}


# --- reading pages -----------------------------------------------------------------------------


def _classes(element: Element) -> set[str]:
    return set(dict(element.attributes).get("class", "").split())


def _walk(element: Element):
    for child in element.children:
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def _text(element: Element | str) -> str:
    if isinstance(element, str):
        return element
    return " ".join(_text(child) for child in element.children).strip()


def _page(client, path: str, language: str = "en") -> Element:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, path
    return parse_html(response.content.decode())


def _column(page: Element, name: str) -> list[str]:
    """The texts of a change list's (or tabular inline's) cells of one column, top to bottom."""
    return [_text(cell) for cell in _walk(page) if cell.name in ("td", "th") and f"field-{name}" in _classes(cell)]


def _header(page: Element, name: str) -> str:
    (header,) = [cell for cell in _walk(page) if cell.name == "th" and f"column-{name}" in _classes(cell)]
    return _text(header)


def _readonly(page: Element, name: str) -> str:
    """The text of a change page's read-only field."""
    (row,) = [div for div in _walk(page) if div.name == "div" and f"field-{name}" in _classes(div)]
    (value,) = [div for div in _walk(row) if div.name == "div" and "readonly" in _classes(div)]
    return _text(value)


def _label(page: Element, name: str) -> str:
    (row,) = [div for div in _walk(page) if div.name == "div" and f"field-{name}" in _classes(div)]
    (label,) = [tag for tag in _walk(row) if tag.name == "label"]
    return _text(label)


# --- the formatting rule --------------------------------------------------------------------------


def test_staff_text_is_the_staff_clock_and_the_other_capital(settings):
    instant = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert format_for_staff(instant) == "2026-11-30 10:00 UTC-05:00 (America/Lima)"
    assert format_for_staff(instant, with_capitals=True) == (
        "2026-11-30 10:00 UTC-05:00 (America/Lima) · Santiago 2026-11-30 12:00 UTC-03:00"
    )
    settings.TIME_ZONE = "America/Santiago"
    assert format_for_staff(instant, with_capitals=True) == (
        "2026-11-30 12:00 UTC-03:00 (America/Santiago) · Lima 2026-11-30 10:00 UTC-05:00"
    )
    settings.TIME_ZONE = "UTC"  # a clock that is neither capital's: both are shown
    assert format_for_staff(instant, with_capitals=True) == (
        "2026-11-30 15:00 UTC+00:00 (UTC) · Lima 2026-11-30 10:00 UTC-05:00 · Santiago 2026-11-30 12:00 UTC-03:00"
    )
    # In July Santiago keeps standard time, an hour behind its summer clock.
    settings.TIME_ZONE = "America/Lima"
    assert format_for_staff(datetime(2026, 7, 1, 15, 0, tzinfo=UTC), with_capitals=True) == (
        "2026-07-01 10:00 UTC-05:00 (America/Lima) · Santiago 2026-07-01 11:00 UTC-04:00"
    )


def test_session_text_is_the_venue_clock_and_both_capitals():
    assert format_on_session_clocks(STARTS, "America/Santiago") == SESSION_TEXT
    assert format_on_session_clocks(STARTS, "Europe/Madrid") == (
        "2026-11-30 16:00 UTC+01:00 (Europe/Madrid) · Lima 2026-11-30 10:00 UTC-05:00 · "
        "Santiago 2026-11-30 12:00 UTC-03:00"
    )


def test_an_instant_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="has no time zone"):
        format_for_staff(datetime(2026, 11, 30, 10, 0))


# --- the reminder log -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_reminder_log_lists_each_time_with_its_zone(admin_client, world, language):
    page = _page(admin_client, "/admin/meetings/reminder/?o=7", language)  # by due time
    assert [_header(page, name) for name in ("session_starts", "due", "sent")] == [
        LANGUAGES[language][name] for name in ("session_starts", "due", "sent")
    ]
    assert list(zip(_column(page, "session_starts"), _column(page, "due"), _column(page, "sent"), strict=True)) == [
        (MOVED_SESSION_TEXT, SENT_DUE, SENT_AT),
        (MOVED_SESSION_TEXT, PENDING_DUE, "-"),
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_reminder_page_shows_each_time_with_its_zone(admin_client, world, language):
    page = _page(admin_client, f"/admin/meetings/reminder/{world['sent'].pk}/change/", language)
    names = ("due", "next_attempt", "claimed", "sent")
    assert {name: _readonly(page, name) for name in names} == {
        "due": SENT_DUE,
        "next_attempt": SENT_DUE,
        "claimed": SENT_CLAIMED,
        "sent": SENT_AT,
    }
    assert [_label(page, name) for name in ("due", "next_attempt", "sent")] == [
        f"{LANGUAGES[language][name]}:" for name in ("due", "next_attempt", "sent")
    ]
    pending = _page(admin_client, f"/admin/meetings/reminder/{world['pending'].pk}/change/", language)
    assert {name: _readonly(pending, name) for name in names} == {
        "due": PENDING_DUE,
        "next_attempt": PENDING_DUE,
        "claimed": "-",
        "sent": "-",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_session_page_shows_its_reminders_and_record_times_with_their_zone(admin_client, world, language):
    page = _page(admin_client, f"/admin/meetings/session/{world['session'].pk}/change/", language)
    assert list(zip(_column(page, "due"), _column(page, "sent"), strict=True)) == [
        (SENT_DUE, SENT_AT),
        (PENDING_DUE, "-"),
    ]
    assert (_readonly(page, "created"), _readonly(page, "changed")) == (CREATED_TEXT, MOVED_TEXT)
    labels = {"en": ["Created:", "Last changed:"], "es": ["Creado:", "Última modificación:"]}
    assert [_label(page, "created"), _label(page, "changed")] == labels[language]


# --- tokens, calendar addresses, staff ------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_tokens_and_feeds_show_their_times_with_their_zone(admin_client, world, language):
    tokens = _page(admin_client, "/admin/tracker/apitoken/", language)
    assert {name: _column(tokens, name) for name in ("expires", "created", "last_used", "revoked")} == {
        "expires": ["2027-05-20 00:00 UTC-05:00 (America/Lima)"],
        "created": [CREATED_TEXT],
        "last_used": ["2026-11-25 15:15 UTC-05:00 (America/Lima)"],
        "revoked": ["-"],
    }
    headers = {"en": ["Expires", "Last used"], "es": ["Vence", "Último uso"]}
    assert [_header(tokens, "expires"), _header(tokens, "last_used")] == headers[language]
    token = _page(admin_client, f"/admin/tracker/apitoken/{world['token'].pk}/change/", language)
    assert {name: _readonly(token, name) for name in ("expires", "created", "last_used", "revoked")} == {
        "expires": "2027-05-20 00:00 UTC-05:00 (America/Lima)",
        "created": CREATED_TEXT,
        "last_used": "2026-11-25 15:15 UTC-05:00 (America/Lima)",
        "revoked": "-",
    }
    feeds = _page(admin_client, "/admin/tracker/calendarfeed/", language)
    revoked = "2026-11-26 08:00 UTC-05:00 (America/Lima)"
    assert (_column(feeds, "created"), _column(feeds, "revoked")) == ([CREATED_TEXT], [revoked])
    feed = _page(admin_client, f"/admin/tracker/calendarfeed/{world['feed'].pk}/change/", language)
    assert (_readonly(feed, "created"), _readonly(feed, "revoked")) == (CREATED_TEXT, revoked)


def test_new_token_expiry_says_which_clock_it_is_typed_on(admin_client):
    page = admin_client.get("/admin/tracker/apitoken/add/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.context["adminform"].form.fields["expires_at"].help_text == (
        "Como máximo 730 días a partir de ahora. La hora es la del reloj de America/Lima."
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_users_dates_are_read_with_their_zone(admin_client, admin_user, language):
    type(admin_user).objects.filter(pk=admin_user.pk).update(
        last_login=datetime(2026, 11, 28, 23, 30, tzinfo=UTC), date_joined=CREATED
    )
    page = _page(admin_client, f"/admin/auth/user/{admin_user.pk}/change/", language)
    assert (_readonly(page, "last_login_time"), _readonly(page, "joined")) == (
        "2026-11-28 18:30 UTC-05:00 (America/Lima)",
        CREATED_TEXT,
    )
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(admin_user),
        object_id=str(admin_user.pk),
        object_repr=str(admin_user),
        action_flag=CHANGE,
        change_message="[]",
        action_time=MOVED,
    )
    history = _page(admin_client, f"/admin/auth/user/{admin_user.pk}/history/", language)
    dates = [_text(cell) for cell in _walk(history) if "history-date" in _classes(cell)]
    assert dates == [MOVED_TEXT]


# --- history ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_session_history_lists_each_version_and_change_with_its_zone(admin_client, world, language):
    session = world["session"]
    page = _page(admin_client, f"/admin/meetings/session/{session.pk}/history/", language)
    (table,) = [
        tag for tag in _walk(page) if tag.name == "table" and dict(tag.attributes).get("id") == "change-history"
    ]
    rows = [
        [_text(cell) for cell in row.children if isinstance(cell, Element)]
        for row in _walk(table)
        if row.name == "tr" and any(isinstance(c, Element) and c.name == "td" for c in row.children)
    ]
    words = {
        "en": {"changed": "Changed", "created": "Created", "unknown": "unknown", "starts": "Starts", "ends": "Ends"},
        "es": {
            "changed": "Modificado",
            "created": "Creado",
            "unknown": "desconocido",
            "starts": "Comienza",
            "ends": "Termina",
        },
    }[language]
    assert rows == [
        [
            "1. Border",
            MOVED_TEXT,
            words["changed"],
            "admin",
            "",
            f"{words['ends']}: {ENDS_TEXT} → {MOVED_ENDS_TEXT} "
            f"{words['starts']}: {SESSION_TEXT} → {MOVED_SESSION_TEXT}",
        ],
        ["1. Border", CREATED_TEXT, words["created"], words["unknown"], "", ""],
    ]
    headers = {
        "en": ["Version", "Date/time", "Action", "Changed by", "Reason", "Changes"],
        "es": ["Versión", "Fecha/hora", "Acción", "Cambiado por", "Motivo", "Cambios"],
    }
    assert [_text(th) for th in _walk(table) if th.name == "th"] == headers[language]


@pytest.mark.parametrize("language", ["en", "es"])
def test_history_record_says_when_it_was_made_with_the_zone(admin_client, world, language):
    session = world["session"]
    first, latest = session.history.order_by("history_date")
    page = _page(admin_client, f"/admin/meetings/session/{session.pk}/history/{latest.history_id}/", language)
    (line,) = [_text(p) for p in _walk(page) if p.name == "p" and "history-version" in _classes(p)]
    expected = {
        "en": f"This is the record as it stood after the change of {MOVED_TEXT} by admin.",
        "es": f"Así quedó el registro tras el cambio del {MOVED_TEXT} hecho por admin.",
    }
    assert line == expected[language]
    assert (_readonly(page, "created"), _readonly(page, "changed")) == (CREATED_TEXT, MOVED_TEXT)
    original = _page(admin_client, f"/admin/meetings/session/{session.pk}/history/{first.history_id}/", language)
    (line,) = [_text(p) for p in _walk(original) if p.name == "p" and "history-version" in _classes(p)]
    assert (
        line
        == {
            "en": f"This is the record as it stood after the change of {CREATED_TEXT}.",
            "es": f"Así quedó el registro tras el cambio del {CREATED_TEXT}.",
        }[language]
    )
    assert _readonly(original, "changed") == CREATED_TEXT
    assert admin_client.get(f"/admin/meetings/session/{session.pk}/history/x1/").status_code == 404
    assert (
        admin_client.get(f"/admin/meetings/session/{session.pk}/history/{first.history_id + 999}/").status_code == 404
    )


# --- the whole staff site -----------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_pattern_finds_bare_times_and_accepts_zoned_ones():
    assert unzoned_times("Nov. 30, 2026, 10 a.m. and 30 de noviembre de 2026 a las 10:00 and 3:15 p.m.") == (
        3,
        [
            "Nov. 30, 2026, 10 a.m. and 30 de noviembre de 2026 a",
            "30 de noviembre de 2026 a las 10:00 and 3:15 p.m.",
            "embre de 2026 a las 10:00 and 3:15 p.m.",
        ],
    )
    assert unzoned_times("2026-11-30 10:00 UTC-05:00 (America/Lima) · Santiago 2026-11-30 12:00 UTC-03:00") == (2, [])
    assert unzoned_times("Log for ana @ 2026-11-30 01:18:02.107788+00:00, 2026-11-30T06:00:00Z, at 06:00 there") == (
        3,
        [":00, 2026-11-30T06:00:00Z, at 06:00 there"],
    )
    assert unzoned_times("Lima 08:00 · Santiago 10:00 (Tue 2) · Madrid 14:00") == (
        3,
        ["ntiago 10:00 (Tue 2) · Madrid 14:00"],
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_page_of_the_staff_site_shows_a_time_without_its_zone(admin_client, admin_user, world, language):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib import admin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # Other packages' pages too: sign-in attempts and logs, and authenticators.
    seen_at = {"ip_address": "203.0.113.9", "user_agent": "test", "http_accept": "*/*", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(username="ana", get_data="", post_data="", failures_since_start=2, **seen_at)
    AccessLog.objects.create(username="ana", **seen_at)
    AccessFailureLog.objects.create(username="ana", **seen_at)
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=False)  # unconfirmed: no code is asked
    pages = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("tracker", "committees", "meetings", "axes", "otp_totp", "auth"):
            continue
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages.append(base)
        for obj in model.objects.order_by("pk"):
            pages += [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"]
            if hasattr(model_admin, "history_form_view"):
                versions = model.history.filter(**{model._meta.pk.attname: obj.pk})  # the record's own versions
                pages += [f"{base}{obj.pk}/history/{version.history_id}/" for version in versions]
    pages.append("/admin/meetings/session/calendar/?month=2026-11")
    seen, bare = {}, {}
    for path in pages:
        response = admin_client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
        count, missing = unzoned_times(visible_text(response.content.decode()))
        seen[path] = count
        if missing:
            bare[path] = missing
    assert bare == {}, "\n".join(f"{path}: {missing}" for path, missing in bare.items())
    session, sent = world["session"].pk, world["sent"].pk
    # Where times are shown at all, they were found (the pattern is not blind to them).
    assert {
        path: seen[path]
        for path in (
            "/admin/meetings/reminder/",
            f"/admin/meetings/reminder/{sent}/change/",
            f"/admin/meetings/session/{session}/change/",
            f"/admin/meetings/session/{session}/history/",
            "/admin/tracker/apitoken/",
            "/admin/tracker/calendarfeed/",
        )
    } == {
        "/admin/meetings/reminder/": 2 * 3 + 2 * 2 + 1 * 2,  # session starts (3 clocks), due, sent
        f"/admin/meetings/reminder/{sent}/change/": 3 + 4 * 2,
        # start and end on three clocks; created and changed; the reminders' due and sent times
        f"/admin/meetings/session/{session}/change/": 3 * 2 + 2 + 3 * 2,
        # two versions' dates; start and end, each before and after, on three clocks
        f"/admin/meetings/session/{session}/history/": 2 + 2 * 2 * 3,
        "/admin/tracker/apitoken/": 3,
        "/admin/tracker/calendarfeed/": 2,
    }
    # Other packages' lists: each row's time was found (the admin's own sign-in is logged too).
    lists = {path for path in seen if path.count("/") == 4 and path.split("/")[2] in ("axes", "otp_totp")}
    assert {path: seen[path] for path in lists} == {
        "/admin/axes/accessattempt/": 1,
        "/admin/axes/accesslog/": 2,
        "/admin/axes/accessfailurelog/": 1,
        "/admin/otp_totp/totpdevice/": 1,  # created; never used
    }
    assert Session.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "change"), [("en", "Status: Scheduled → Postponed"), ("es", "Estado: Programada → Aplazada")]
)
def test_session_history_names_a_status_by_its_label(admin_client, world, language, change):
    from meetings.services import session_set_status

    session_set_status(session=world["session"], status="postponed")
    page = _page(admin_client, f"/admin/meetings/session/{world['session'].pk}/history/", language)
    (table,) = [
        tag for tag in _walk(page) if tag.name == "table" and dict(tag.attributes).get("id") == "change-history"
    ]
    first_row = next(
        row
        for row in _walk(table)
        if row.name == "tr" and any(c.name == "td" for c in row.children if isinstance(c, Element))
    )
    assert _text(first_row).endswith(change)
