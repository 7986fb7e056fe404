"""What every write serializer of the API shares."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class RefusesServerSetFields:
    """A write serializer that names in `server_set` the fields the server sets. A client that
    sends one is answered with a 400 naming it, beside any other field errors, so that what it
    sent is never silently ignored."""

    server_set: tuple[str, ...] = ()

    def to_internal_value(self, data):
        sent = {}
        if isinstance(data, Mapping):
            sent = {name: [_("This field is set by the server.")] for name in self.server_set if name in data}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if sent and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **sent}) from exc
            raise
        if sent:
            raise serializers.ValidationError(sent)
        return value
