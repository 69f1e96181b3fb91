"""What the site keeps for itself, outside any domain: jobs the broker could not take."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxJob(models.Model):
    """A background job (an e-mail, a report) kept until the broker takes it; see `common.outbox`."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("kept since"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts to send"), default=1)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("job waiting for the broker")
        verbose_name_plural = _("jobs waiting for the broker")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"
