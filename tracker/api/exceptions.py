"""Domain errors become HTTP answers in one place: a rule broken is a 400 with field errors,
a write that lost a race the database refereed is a 409. An error that repeats what the client
sent never carries text that cannot be written out (a lone surrogate): it shows as U+FFFD."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracker.api.parsers import LONE_SURROGATE

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(
            {("non_field_errors" if field == "__all__" else field): messages for field, messages in detail.items()}
        )
    elif isinstance(exc, IntegrityError):
        log.info("write refused by a database constraint: %s", exc)
        return Response(
            {"detail": "The change conflicts with another one made at the same time; nothing was saved."},
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = renderable(response.data)
    return response


def renderable(data):
    """`data` with every lone surrogate, in keys and values, replaced by U+FFFD."""
    if isinstance(data, exceptions.ErrorDetail):
        return exceptions.ErrorDetail(LONE_SURROGATE.sub("\ufffd", data), code=data.code)
    if isinstance(data, str):
        return LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {renderable(key): renderable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [renderable(item) for item in data]
    return data
