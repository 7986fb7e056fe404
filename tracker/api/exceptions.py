"""Domain errors become HTTP answers in one place: a rule broken is a 400 with field errors,
a write that lost a race the database refereed is a 409."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

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
    return drf_exception_handler(exc, context)
