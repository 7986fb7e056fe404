"""The API's JSON parser: a body is refused with a 400 before any view or serializer sees it when
it nests deeper than any request of the API needs, or holds text that is not text (an escaped
UTF-16 surrogate without its pair, such as `"\\ud800"`, which no encoding can write back)."""

import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest body the API takes is a session → its agenda → an item → a value (4 levels);
# the margin leaves room for later nested fields, and none for a parser-exhausting body.
MAX_DEPTH = 32

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_deep() -> str:
    return _("The body nests deeper than %(depth)d levels.") % {"depth": MAX_DEPTH}


def json_refusal(data: object) -> str | None:
    """Why parsed JSON `data` is refused, or None. Iterative, so the check itself cannot recurse too far."""
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                return _("The body holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff), which is not text.")
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _too_deep()
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Deeper than the interpreter's stack: far past MAX_DEPTH.
            raise ParseError(_too_deep()) from None
        if (refusal := json_refusal(data)) is not None:
            raise ParseError(refusal)
        return data
