from rest_framework.permissions import DjangoModelPermissions


class ReadAuthenticatedWriteWithModelPermission(DjangoModelPermissions):
    """Any signed-in user reads; writing needs Django's add / change / delete permission on the model."""

    authenticated_users_only = True
