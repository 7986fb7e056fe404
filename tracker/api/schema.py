"""What the OpenAPI document says about things every endpoint shares: the token scheme, the
error shapes, conditional requests."""

from django_filters import filters as django_filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tracker.api.authentication.TokenAuthentication"
    match_subclasses = True
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

_RESPONSES = {
    304: OpenApiResponse(description="Not modified: the ETag or date sent is still current."),
    400: OpenApiResponse(
        FIELD_ERRORS,
        description="Invalid input, with the errors by field; a body that is not acceptable JSON (malformed, "
        "nested deeper than 32 levels, or holding a lone UTF-16 surrogate) gets a `detail` instead.",
    ),
    401: OpenApiResponse(DETAIL, description="No token, or an invalid one."),
    403: OpenApiResponse(DETAIL, description="Signed in, but without the permission this needs."),
    404: OpenApiResponse(DETAIL, description="No such object (or page)."),
    409: OpenApiResponse(DETAIL, description="A concurrent change won; nothing was saved."),
    422: OpenApiResponse(DETAIL, description="The Idempotency-Key was used for another request."),
    429: OpenApiResponse(DETAIL, description="Too many requests for this token; retry after the given time."),
}

# The answers each kind of operation can give besides its success.
READ_LIST = (304, 400, 401, 404, 429)
READ_ONE = (304, 401, 404, 429)
CREATE = (400, 401, 403, 409, 422, 429)
CHANGE = (400, 401, 403, 404, 409, 429)


def errors(codes: tuple[int, ...]) -> dict[int, OpenApiResponse]:
    return {code: _RESPONSES[code] for code in codes}


_HEADERS = {
    ("get", "200"): {
        "ETag": "The version of this answer; send it back as If-None-Match.",
        "Last-Modified": "When the schedule last changed; send it back as If-Modified-Since.",
    },
    ("get", "304"): {"ETag": "The current version.", "Last-Modified": "When the schedule last changed."},
    ("post", "201"): {
        "Location": "The new session's address.",
        "Idempotent-Replayed": "`true` when this is the stored answer to an earlier request with the same key.",
    },
    ("*", "401"): {"WWW-Authenticate": "`Token`: the scheme to use."},
    ("*", "429"): {"Retry-After": "Seconds to wait before trying again."},
}


def add_response_headers(result, generator, request, public):
    """drf-spectacular post-processing hook: the headers the API sends, on the answers that carry them."""
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                headers = {**_HEADERS.get(("*", code), {}), **_HEADERS.get((method, code), {})}
                if headers:
                    response["headers"] = {
                        name: {"schema": {"type": "string"}, "description": text} for name, text in headers.items()
                    }
    return result


_SUCCESSES = {
    ("get", "200", True): "A page of results: `count`, `next` and `previous` pages, and the `results`.",
    ("get", "200", False): "The object asked for.",
    ("post", "201", False): "Created; the body is the new object as it now reads.",
    ("patch", "200", False): "Changed; the body is the object as it now reads.",
}


def describe_successes(result, generator, request, public):
    """drf-spectacular post-processing hook: a description for each success answer that a view
    gives as a bare serializer (which drf-spectacular leaves without one)."""
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                if response.get("description"):
                    continue
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                paged = schema.get("$ref", "").startswith("#/components/schemas/Paginated")
                response["description"] = _SUCCESSES.get((method, code, paged), "")
    return result


_SHARED_SCHEMAS = {"ErrorDetail": DETAIL, "FieldErrors": FIELD_ERRORS}


def share_error_schemas(result, generator, request, public):
    """drf-spectacular post-processing hook: the error bodies as two named components, so that a
    generated client has one `ErrorDetail` and one `FieldErrors` type instead of one per answer;
    and errors as JSON only, which they are on calendars too (tracker.api.views.ICalendarViewMixin)."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code >= "400" and "application/json" in content:
                    response["content"] = content = {"application/json": content["application/json"]}
                for media in content.values():
                    for name, shape in _SHARED_SCHEMAS.items():
                        if media.get("schema") == shape:
                            media["schema"] = {"$ref": f"#/components/schemas/{name}"}
    result.setdefault("components", {}).setdefault("schemas", {}).update(_SHARED_SCHEMAS)
    return result


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
