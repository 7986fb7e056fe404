from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions

from tracker.security import second_factor_satisfied
from tracker.tokens import api_token_authenticate

# The (token, what `find` gave for it) already read for this request, kept on the request.
READ_ATTRIBUTE = "api_token_read"


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`; the token is stored only as its SHA-256. `find` reads the
    token (the API's own reads it with its user's access: committees.api.authentication)."""

    keyword = "Token"
    find = staticmethod(api_token_authenticate)

    def token_of(self, request) -> str | None:
        """The token the request sends, or None when it sends none; a malformed header is refused."""
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Token <token>”."))
        try:
            return header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc

    def authenticate(self, request):
        token = self.token_of(request)
        if token is None:
            return None
        read = getattr(request, READ_ATTRIBUTE, None)
        found = read[1] if read is not None and read[0] == token else self.find(token)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return found.user, found

    def authenticate_header(self, request) -> str:
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The staff site's session (for Swagger UI), only once it has given its
    second factor where one is due; otherwise the request is anonymous and refused like one."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None or not second_factor_satisfied(found[0]):
            return None
        return found


class SessionAuthenticationScheme(SessionScheme):
    """The OpenAPI description of the session above (drf-spectacular's matches only DRF's own class)."""

    target_class = "tracker.api.authentication.SessionAuthentication"
