"""The API's parser and error answers, on their own: what they refuse and what they write back."""

import io

import pytest
from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.renderers import JSONRenderer

from tracker.api.exceptions import exception_handler, renderable
from tracker.api.parsers import MAX_DEPTH, JSONParser, json_refusal

TOO_DEEP = "The body nests deeper than 32 levels."
LONE_SURROGATE = "The body holds an unpaired UTF-16 surrogate (\\ud800 to \\udfff), which is not text."


def _parse(body: bytes):
    return JSONParser().parse(io.BytesIO(body), "application/json", {})


def test_the_deepest_body_of_the_api_is_well_within_the_limit():
    body = b'{"agenda": [{"title": "Water", "presenter": 1}]}'
    assert (MAX_DEPTH, _parse(body)) == (32, {"agenda": [{"title": "Water", "presenter": 1}]})


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        ({"a": [[]]}, None),
        ([[[]]], None),
        ("\U0001f30a", None),
        ([[]] * 1000, None),  # wide is fine, only deep is refused
        ({"a": {"b": "\ud800"}}, LONE_SURROGATE),
        ({"\udfff": 1}, LONE_SURROGATE),
        (["\ud83d"], LONE_SURROGATE),
        ("\udc00", LONE_SURROGATE),
    ],
)
def test_json_refusal(data, refusal):
    assert json_refusal(data) == refusal


def test_depth_counts_objects_and_lists_alike():
    at_limit: object = "x"
    for level in range(MAX_DEPTH):
        at_limit = [at_limit] if level % 2 else {"k": at_limit}
    assert (json_refusal(at_limit), json_refusal([at_limit]), json_refusal({"k": at_limit})) == (
        None,
        TOO_DEEP,
        TOO_DEEP,
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[" * 50_000 + b"]" * 50_000, TOO_DEEP),  # deeper than the interpreter's stack
        (b"[" * 33 + b"]" * 33, TOO_DEEP),
        (b'{"timezone": "\\ud800"}', LONE_SURROGATE),
        (b'{"timezone": "\\ud800\\udc00\\udc00"}', LONE_SURROGATE),  # a pair, then a lone low half
    ],
)
def test_parser_refuses(body, detail):
    with pytest.raises(ParseError) as refused:
        _parse(body)
    assert refused.value.detail == ErrorDetail(detail, code="parse_error")


def test_a_valid_pair_is_parsed_as_one_character():
    assert _parse(b'{"title": "\\ud83c\\udf0a"}') == {"title": "\U0001f30a"}


def test_error_answers_never_carry_a_lone_surrogate():
    # Were unrenderable text to reach an error that echoes input, the answer is still written.
    exc = ValidationError({"timezone": ['"\ud800" is not a valid choice.'], "x\udfff": {"0": ["\ud83d"]}})
    response = exception_handler(exc, {})
    assert (response.status_code, response.data) == (
        400,
        {"timezone": ['"\ufffd" is not a valid choice.'], "x\ufffd": {"0": ["\ufffd"]}},
    )
    assert response.data["timezone"][0].code == "invalid"
    assert JSONRenderer().render(response.data).decode() == (
        '{"timezone":["\\"\ufffd\\" is not a valid choice."],"x\ufffd":{"0":["\ufffd"]}}'
    )


def test_renderable_keeps_everything_else():
    data = {"a": [1, None, True, "ok \U0001f30a"], "b": ("x",)}
    assert renderable(data) == {"a": [1, None, True, "ok \U0001f30a"], "b": ["x"]}
