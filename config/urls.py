from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from config.api import router
from meetings import pages
from meetings.api.views import CalendarFeedView, SessionCalendarView, SessionsCalendarView
from meetings.records import pages as record_pages
from tracker.api.docs import SwaggerView
from tracker.language import set_language
from tracker.views import healthz

api_v1 = [
    path("sessions.ics", SessionsCalendarView.as_view(), name="sessions-calendar"),
    re_path(r"^sessions/(?P<pk>[0-9]{1,18})\.ics$", SessionCalendarView.as_view(), name="session-calendar"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(
        r"^calendar/(?P<token>[-A-Za-z0-9_]{1,40}\.[-A-Za-z0-9_]{1,100})\.ics$",
        CalendarFeedView.as_view(),
        name="calendar-feed",
    ),
    path("schedule/", pages.schedule_index, name="schedule"),
    path("schedule/subscribe/", pages.subscription_create, name="schedule-subscribe"),
    path("schedule/sign-in/", pages.SignInView.as_view(), name="schedule-sign-in"),
    path("schedule/sign-out/", pages.SignOutView.as_view(), name="schedule-sign-out"),
    path("schedule/sessions/<int:pk>/", record_pages.session_page, name="session-page"),
    path(
        "schedule/sessions/<int:pk>/record-<str:language>.pdf",
        record_pages.session_record_pdf,
        name="session-record-pdf",
    ),
    path("schedule/sessions/<int:pk>.ics", pages.session_ics, name="session-page-ics"),
    path("schedule/<slug:slug>/", pages.committee_schedule, name="schedule-committee"),
    path("schedule/<slug:slug>.ics", pages.committee_ics, name="schedule-committee-ics"),
    path("schedule/<slug:slug>/commitments/", record_pages.committee_commitments, name="schedule-commitments"),
    path("schedule/<slug:slug>/<int:year>/<int:month>/", pages.committee_month, name="schedule-month"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
]

handler404 = "tracker.views.not_found"
handler500 = "tracker.views.server_error"
