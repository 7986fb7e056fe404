"""`Idempotency-Key` on POST: a repeated key returns the first answer instead of creating twice."""

import hashlib
import json

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(request) -> str:
    payload = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.path}|{payload}".encode()).hexdigest()


class IdempotentCreateMixin:
    """For viewsets: a successful create is stored with its key in the same transaction, so two
    requests with one key create at most one object (the database refuses a second record)."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)
        if not key.strip() or len(key) > 255 or not key.isprintable():
            raise ValidationError({HEADER: [_("Use a printable key of at most 255 characters.")]})
        digest = _request_hash(request)
        previous = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if previous is not None:
            if previous.request_hash != digest:
                return Response(
                    {"detail": _("This Idempotency-Key was already used for a different request.")},
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            return Response(previous.body, status=previous.status_code, headers={"Idempotent-Replayed": "true"})
        with transaction.atomic():
            response = super().create(request, *args, **kwargs)
            IdempotencyRecord.objects.create(
                user=request.user, key=key, request_hash=digest, status_code=response.status_code, body=response.data
            )
        return response
