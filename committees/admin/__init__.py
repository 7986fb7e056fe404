"""The committees app's admins, one module each; importing them registers them."""

from committees.admin import committees, memberships, people, users  # noqa: F401 - registers the admins
