from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from tracker.models import ApiToken, TokenScope


class ReadAuthenticatedWriteWithModelPermission(DjangoModelPermissions):
    """Any signed-in user reads (the views show only the rows they may see); writing needs a
    read-write token (or a signed-in session), Django's add / change / delete permission on the
    model, and, for one object, the view's `can_edit(request, obj)`."""

    authenticated_users_only = True

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            # Reading needs no model permission (Django's map asks for none): spare building the
            # view's queryset just to learn its model.
            return bool(request.user and request.user.is_authenticated)
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != TokenScope.READ_WRITE:
            self.message = _("This token may only read: make a read-write token to change the schedule.")
            return False
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or not hasattr(view, "can_edit"):
            return True
        if not view.can_edit(request, obj):
            self.message = _("Only the committee's secretariats may change this.")
            return False
        return True
