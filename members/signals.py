"""An account's API tokens end with its password or its activity, whichever door changed them (the site's
password pages, a reset, the admin, the shell)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User
from .services import tokens_revoke


@receiver(post_save, sender=User, dispatch_uid="members.revoke_tokens")
def revoke_tokens_when_the_password_changes_or_the_account_closes(sender, instance: User, created: bool, **kwargs):
    # set_password() leaves the new password in `_password` until the save completes.
    if not created and (instance._password is not None or not instance.is_active):
        tokens_revoke(user=instance)
