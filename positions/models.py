"""Who thinks what: organisations, their papers, and the positions quoted from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
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


class Invitation(models.Model):
    """An e-mailed link that lets a person join an organisation as a new user.

    Only the SHA-256 of the token is stored, so the database cannot be used to accept
    an invitation; the link itself carries the token. One use, and it expires.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class PositionPaper(models.Model):
    """A document in which one or more organisations say what they think, kept verbatim.

    Positions quote the text by character offsets, so ``text`` is stored as it was
    read (only line endings normalised) and never changed afterwards.
    """

    class Language(models.TextChoices):
        FR = "fr", _("French")
        EN = "en", _("English")

    organisations = models.ManyToManyField(
        Organisation, related_name="papers", verbose_name=_("organisations")
    )
    title = models.CharField(_("title"), max_length=500)
    date = models.DateField(
        _("date"), null=True, blank=True, help_text=_("Empty when the document gives no date.")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    meeting_reference = models.CharField(
        _("meeting reference"),
        max_length=200,
        blank=True,
        help_text=_("The meeting document or agenda item, e.g. DCE/26/19.IGC/7.b Rev."),
    )
    text = models.TextField(_("text"))
    source_file = models.CharField(_("source file"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [F("date").desc(nulls_last=True), "title", "pk"]
        verbose_name = _("position paper")
        verbose_name_plural = _("position papers")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("paper_detail", kwargs={"pk": self.pk})


class Position(models.Model):
    """What an organisation thinks, as a verbatim excerpt of one of its papers.

    The excerpt is ``paper.text[excerpt_start:excerpt_end]``; ``services.position_create``
    checks that the quoted words are there. Linked to clauses through ``PositionLink``;
    a position with no link is general.
    """

    class Stance(models.TextChoices):
        SUPPORT = "support", _("support")
        OPPOSE = "oppose", _("oppose")
        AMEND = "amend", _("amend")
        CONCERN = "concern", _("concern")

    paper = models.ForeignKey(
        PositionPaper, on_delete=models.CASCADE, related_name="positions", verbose_name=_("paper")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("organisation"),
        help_text=_("Whose position this is: one of the paper's organisations."),
    )
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices)
    summary = models.CharField(_("summary"), max_length=300)
    excerpt_start = models.PositiveIntegerField(_("excerpt start"))
    excerpt_end = models.PositiveIntegerField(_("excerpt end"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty when recorded from the command line."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Summary and excerpt folded for search (guidelines.searching), written by the services.
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["paper", "excerpt_start", "pk"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.CheckConstraint(
                condition=Q(excerpt_start__gte=0) & Q(excerpt_start__lt=F("excerpt_end")),
                name="position_excerpt_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.summary}"

    def get_absolute_url(self) -> str:
        return f"{self.paper.get_absolute_url()}#position-{self.pk}"

    @property
    def excerpt(self) -> str:
        return self.paper.text[self.excerpt_start : self.excerpt_end]


class PositionLink(models.Model):
    """A position concerns a clause, for the reason given in one line."""

    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, related_name="links", verbose_name=_("position")
    )
    # PROTECT: a re-import that would remove a clause somebody took a position on must
    # fail rather than silently turn the position into a general one.
    clause = models.ForeignKey(
        "guidelines.Clause",
        on_delete=models.PROTECT,
        related_name="position_links",
        verbose_name=_("clause"),
    )
    rationale = models.CharField(_("rationale"), max_length=500)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("position link")
        verbose_name_plural = _("position links")
        constraints = [
            models.UniqueConstraint(
                fields=["position", "clause"], name="position_link_unique_clause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position_id} → {self.clause_id}"
