"""`Idempotency-Key` on POST: a repeated key returns the first answer instead of creating twice."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.models import IdempotencyRecord

HEADER = "Idempotency-Key"
IN_PROGRESS = 0  # the status of a claimed key whose request has not finished


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
        try:
            # Claim the key first: of two requests racing with one key, the database lets one claim it.
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, request_hash=digest, status_code=IN_PROGRESS, body={}
                )
        except IntegrityError:
            return self._replay(IdempotencyRecord.objects.get(user=request.user, key=key), digest)
        try:
            with transaction.atomic():
                response = super().create(request, *args, **kwargs)
                record.status_code, record.body = response.status_code, response.data
                record.save(update_fields=["status_code", "body"])
        except Exception:
            record.delete()  # nothing was created: the key may be used again
            raise
        return response

    @staticmethod
    def _replay(previous: IdempotencyRecord, digest: str) -> Response:
        if previous.request_hash != digest:
            return Response(
                {"detail": _("This Idempotency-Key was already used for a different request.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if previous.status_code == IN_PROGRESS:
            return Response(
                {"detail": _("A request with this Idempotency-Key is still being processed; retry shortly.")},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(previous.body, status=previous.status_code, headers={"Idempotent-Replayed": "true"})
