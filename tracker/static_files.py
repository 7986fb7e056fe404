"""The security headers of static files (WHITENOISE_ADD_HEADERS_FUNCTION).

WhiteNoise answers a static file before the middleware that adds the content security policy and
X-Frame-Options runs; SecurityMiddleware, which runs around WhiteNoise, adds nosniff, the referrer
and cross-origin opener policies and, over HTTPS under the production settings, HSTS.
"""

from wsgiref.headers import Headers

from csp.utils import build_policy
from django.conf import settings


def static_file_headers(headers: Headers, path: str, url: str) -> None:
    """The site's content security policy without its nonce, and its frame options. A static page
    has no request to carry a nonce, so no inline script or style of one runs: Swagger UI's
    oauth2-redirect.html, the only static page, loads its script from a file."""
    headers["Content-Security-Policy"] = build_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
