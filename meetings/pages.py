"""Schedule pages for people: the committees one may read, each with its upcoming and past
sessions and a month calendar, on the venue's clock, both capitals' and the reader's own. A
committee that publishes its schedule is open to anyone; the others need a sign-in (the link in
every reminder leads here). Each session's page, with its agenda and record, and the commitments
register are in `meetings.records.pages`, with the same rules of who reads what (stated here)."""

from collections.abc import Callable
from datetime import date
from functools import wraps

from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from committees.models import Committee
from meetings.calendars import ICS, sessions_calendar
from meetings.models import Session
from meetings.selectors import month_neighbours, schedule_committees, sessions_month, sessions_with_agenda
from tracker.admin_site import SignInForm
from tracker.conditional import schedule_response
from tracker.security import session_end_if_second_factor_due
from tracker.timezones import capital_clocks, format_in_zone
from tracker.tokens import calendar_feed_create, calendar_feed_current

PAST_SHOWN = 20

View = Callable[..., HttpResponse]


def second_factor_checked(view: View) -> View:
    """A session whose second factor has become due (see session_end_if_second_factor_due) is
    signed out and sent to sign in again, with the code, before the page is served."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if session_end_if_second_factor_due(request=request):
            return _sign_in(request)
        return view(request, *args, **kwargs)

    return checked


def committee_or_sign_in(request: HttpRequest, slug: str) -> Committee | HttpResponse:
    committee = schedule_committees(user=request.user).filter(slug=slug).first()
    if committee is not None:
        return committee
    if not request.user.is_authenticated:  # signing in may open it; whether it exists is not said
        return _sign_in(request)
    raise Http404(_("There is no such committee, or its schedule is not yours to read."))


def session_or_sign_in(
    request: HttpRequest, pk: int, sessions: QuerySet[Session] | None = None
) -> Session | HttpResponse:
    """The session if the reader may read its committee's schedule (from `sessions`, by default
    with its agenda); else the sign-in for an anonymous reader, a 404 for others."""
    readable = schedule_committees(user=request.user)
    sessions = sessions_with_agenda() if sessions is None else sessions
    session = sessions.filter(pk=pk, committee__in=readable).first()
    if session is not None:
        return session
    if not request.user.is_authenticated:
        return _sign_in(request)
    raise Http404(_("There is no such session, or it is not yours to read."))


def session_times(session: Session) -> dict:
    return {
        "venue": format_in_zone(session.starts_at, session.timezone),
        "venue_end": format_in_zone(session.ends_at, session.timezone),
        "capitals": [(clock.label, clock.reading) for clock in capital_clocks(session.starts_at)],
        "iso": session.starts_at.isoformat(),
    }


def subscription_for(request: HttpRequest, committee: Committee | None) -> dict:
    """How this reader subscribes: their personal address when signed in, else the committee's
    public one (published committees only)."""
    if request.user.is_authenticated:
        feed = calendar_feed_current(user=request.user)
        if feed is None:
            return {"create": True}
        path = reverse("calendar-feed", kwargs={"token": feed.token})
    elif committee is not None and committee.schedule_published:
        path = reverse("schedule-committee-ics", kwargs={"slug": committee.slug})
    else:
        return {}
    address = request.build_absolute_uri(path)
    return {"webcal": "webcal://" + address.split("://", 1)[1], "https": address}


class SignInView(LoginView):
    """Signing in to the schedule pages, staff or not, with the same second factor and lock-out
    as the staff site."""

    form_class = SignInForm
    template_name = "meetings/schedule/sign_in.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A session that owes its second factor gets the form, not a redirect to a page that refuses it.
        session_end_if_second_factor_due(request=request)
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return reverse("schedule")


class SignOutView(LogoutView):
    next_page = "schedule"


def _sign_in(request: HttpRequest) -> HttpResponse:
    # After signing in, a page to read: a form's address would answer a GET with 405.
    back = request.get_full_path() if request.method in ("GET", "HEAD") else reverse("schedule")
    return redirect_to_login(back, login_url=reverse("schedule-sign-in"))


@require_safe
@second_factor_checked
def schedule_index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    following = Session.objects.filter(committee=OuterRef("pk"), starts_at__gte=now).order_by("starts_at", "pk")
    committees = list(schedule_committees(user=request.user).annotate(next_id=Subquery(following.values("pk")[:1])))
    if not committees and not request.user.is_authenticated:
        return _sign_in(request)
    next_sessions = Session.objects.in_bulk([c.next_id for c in committees if c.next_id])
    rows = []
    for committee in committees:
        upcoming = next_sessions.get(committee.next_id)
        rows.append(
            {
                "committee": committee,
                "name": committee.display_name,
                "next": upcoming,
                "times": session_times(upcoming) if upcoming else None,
            }
        )
    return render(request, "meetings/schedule/index.html", {"rows": rows})


@require_safe
@second_factor_checked
def committee_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    committee = committee_or_sign_in(request, slug)
    if isinstance(committee, HttpResponse):
        return committee
    now = timezone.now()
    sessions = Session.objects.filter(committee=committee).order_by("starts_at", "pk")  # no agendas shown here
    upcoming = [(s, session_times(s)) for s in sessions.filter(starts_at__gte=now)]
    past = [
        (s, session_times(s)) for s in sessions.filter(starts_at__lt=now).order_by("-starts_at", "-pk")[:PAST_SHOWN]
    ]
    today = timezone.localdate()
    return render(
        request,
        "meetings/schedule/committee.html",
        {
            "committee": committee,
            "name": committee.display_name,
            "upcoming": upcoming,
            "past": past,
            "month": f"{today:%Y-%m}",
            "subscription": subscription_for(request, committee),
        },
    )


@require_safe
@second_factor_checked
def committee_month(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    committee = committee_or_sign_in(request, slug)
    if isinstance(committee, HttpResponse):
        return committee
    if not (1900 <= year <= 2200 and 1 <= month <= 12):
        raise Http404(_("There is no such month."))
    first = date(year, month, 1)
    weeks = sessions_month(sessions=Session.objects.filter(committee=committee), year=year, month=month)
    previous, following = month_neighbours(first)
    return render(
        request,
        "meetings/schedule/month.html",
        {
            "committee": committee,
            "name": committee.display_name,
            "title": date_format(first, "F Y"),
            "weeks": [[(day, [(s, session_times(s)) for s in day.sessions]) for day in week] for week in weeks],
            "weekdays": [date_format(day.day, "l") for day in weeks[0]],
            "previous": previous,
            "following": following,
        },
    )


@require_safe
@second_factor_checked
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_or_sign_in(request, pk)
    if isinstance(session, HttpResponse):
        return session
    response = schedule_response(
        request,
        build=lambda: sessions_calendar([session], name=session.committee.display_name),
        content_type=ICS,
        variant=get_language() or "",
    )
    response["Content-Disposition"] = f'attachment; filename="{session.committee.slug}-{session.number}.ics"'
    return response


@require_safe
@second_factor_checked
def committee_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """A published committee's sessions for calendar apps (they send no cookies): only published
    committees are served here; signed-in readers subscribe to their personal address."""
    committee = get_object_or_404(Committee, slug=slug, schedule_published=True)
    sessions = sessions_with_agenda().filter(committee=committee)
    return schedule_response(
        request,
        build=lambda: sessions_calendar(sessions, name=committee.display_name),
        content_type=ICS,
        variant=get_language() or "",
    )


@require_POST
@second_factor_checked
def subscription_create(request: HttpRequest) -> HttpResponse:
    """Make the signed-in reader's personal calendar address (once) and go back to the page."""
    if not request.user.is_authenticated:
        return _sign_in(request)
    if calendar_feed_current(user=request.user) is None:
        calendar_feed_create(user=request.user)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/schedule/") and "//" not in back else reverse("schedule"))
