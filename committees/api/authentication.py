from committees.readers import api_token_read
from tracker.api import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """The token, its user, their role and committees and the schedule version, in one query."""

    find = staticmethod(api_token_read)
