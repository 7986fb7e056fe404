from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI under the site's content security policy: its inline start-up script and style
    carry the request's nonce. The site's Cross-Origin-Opener-Policy stays too: drf-spectacular
    relaxes it for OAuth2 pop-ups, which this API does not use."""

    template_name = "tracker/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        del response.headers["Cross-Origin-Opener-Policy"]
        return response
