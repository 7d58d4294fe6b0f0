"""Who thinks what: organisations and their members (papers and positions follow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """An accredited observer organisation, a Party's delegation or the secretariat."""

    class Kind(models.TextChoices):
        NGO = "ngo", _("NGO or coalition")
        PARTY = "party", _("Party")
        SECRETARIAT = "secretariat", _("Secretariat")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=300, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    accredited = models.BooleanField(
        _("accredited"),
        default=False,
        help_text=_("Members of an accredited organisation may file on its behalf."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.acronym or self.name


class Membership(models.Model):
    """A user belongs to one organisation; the organisation's kind gives the role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"
