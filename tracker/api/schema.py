"""What the OpenAPI document says about things every endpoint shares: the token scheme, the
error shapes, conditional requests."""

from django_filters import filters as django_filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tracker.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`. Make one with `manage.py create_api_token USERNAME` or in the admin.",
        }


DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Field name → list of messages; `non_field_errors` for the whole object; for the "
    "agenda, one object of field errors per item.",
    "additionalProperties": {},
}

ERRORS = {
    304: OpenApiResponse(description="Not modified: the ETag or date sent is still current."),
    400: OpenApiResponse(FIELD_ERRORS, description="Invalid input, with the errors by field."),
    401: OpenApiResponse(DETAIL, description="No token, or an invalid one."),
    403: OpenApiResponse(DETAIL, description="Signed in, but without the permission this needs."),
    404: OpenApiResponse(DETAIL, description="No such object (or page)."),
    409: OpenApiResponse(DETAIL, description="A concurrent change won; nothing was saved."),
    422: OpenApiResponse(DETAIL, description="The Idempotency-Key was used for another request."),
    429: OpenApiResponse(DETAIL, description="Too many requests for this token; retry after the given time."),
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any printable key up to 255 characters. Sending the same request with the same key again "
    "returns the first answer instead of creating a second session.",
)


def conditional_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "If-None-Match",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="The ETag of a copy you hold; 304 if it is current.",
        ),
        OpenApiParameter(
            "If-Modified-Since",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="An HTTP date; 304 if nothing changed since.",
        ),
    ]


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """Query parameters of a FilterSet, for views that apply it themselves."""
    parameters = []
    for name, declared in filterset_class.base_filters.items():
        if isinstance(declared, django_filters.IsoDateTimeFilter):
            kind = OpenApiTypes.DATETIME
        elif isinstance(declared, django_filters.NumberFilter):
            kind = OpenApiTypes.INT
        else:
            kind = OpenApiTypes.STR
        choices = [value for value, _label in declared.extra.get("choices", [])] or None
        parameters.append(
            OpenApiParameter(
                name, kind, OpenApiParameter.QUERY, description=declared.extra.get("help_text", ""), enum=choices
            )
        )
    return parameters
