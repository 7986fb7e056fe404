from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tracker.tokens import api_token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`; the token is stored only as its SHA-256."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Token <token>”."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        found = api_token_authenticate(token)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return found.user, found

    def authenticate_header(self, request) -> str:
        return self.keyword
