"""The language a signed-in person chose is theirs wherever they sign in; others get their
browser's (Accept-Language) or what they picked on the page (a cookie)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from tracker.models import UserPreferences
from tracker.request_cache import per_user

# The request's answer of `preferred_language`, under this key of `tracker.request_cache`; the API
# reads it with the token (committees.readers).
PREFERRED_LANGUAGE_KEY = "preferred_language"


def preferred_language(user) -> str:
    """The language `user` chose, or "" (then the browser's counts); read once a request."""
    if not user.is_authenticated:
        return ""

    def chosen() -> str:
        return UserPreferences.objects.filter(user=user).values_list("language", flat=True).first() or ""

    return per_user(user, PREFERRED_LANGUAGE_KEY, chosen)


def translation_for(user) -> translation.override:
    """The translation switched to `user`'s chosen language, else kept as the request's, for as
    long as the `with` block lasts. For answers to clients that authenticate after the middleware
    ran (API tokens, calendar addresses) and often send no Accept-Language."""
    return translation.override(preferred_language(user) or translation.get_language())


class PreferredLanguageMiddleware:
    """After authentication: a signed-in person's chosen language replaces the one LocaleMiddleware
    took from the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (language := preferred_language(user)):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, kept in the person's preferences too when they are signed in."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language):
        UserPreferences.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
