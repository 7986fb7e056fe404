from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from config.api import router
from meetings.api.views import SessionCalendarView, SessionsCalendarView
from meetings.pages import session_page
from meetings.views import CalendarFeedView
from tracker.api.docs import SwaggerView
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
    path("schedule/sessions/<int:pk>/", session_page, name="session-page"),
    path("healthz", healthz, name="healthz"),
]

handler404 = "tracker.views.not_found"
handler500 = "tracker.views.server_error"
