"""Who may take an act: the Django permission each act needs, checked the same way at every door.

Staff status only lets someone into the admin; what they may do there, in the API and with files is the
permission of the act (a model's add/change/delete/view, or one named in a model's Meta.permissions).
Partners, reviewers and donors are not asked for permissions: selectors scope what they see, and an id
outside their scope answers 404.

Each view that needs a permission carries it as `required_permission` (function and admin views, through
`requires`) or `required_permissions` (API views, per action), so a test can list them all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied


def may(user, permission: str) -> bool:
    """Whether `user` holds `permission` ("app.codename").

    Only active staff accounts hold permissions: a partner, donor or reviewer account given one by mistake
    gains nothing (and their pages cost no permission queries)."""
    return bool(user is not None and user.is_authenticated and user.is_staff and user.has_perm(permission))


def require(user, permission: str) -> None:
    """Raise PermissionDenied (403 on a page, in the admin and in the API) unless `user` holds `permission`."""
    if not may(user, permission):
        raise PermissionDenied


def requires(permission: str) -> Callable:
    """A view (or an admin's bound view method) that answers 403 unless the user holds `permission`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            require(request.user, permission)
            return view(request, *args, **kwargs)

        checked.required_permission = permission
        return checked

    return decorate


def model_permission(model, verb: str) -> str:
    """The permission Django creates for `verb` (add, change, delete, view) on `model`."""
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"
