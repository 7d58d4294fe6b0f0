"""The texts: instruments, their editions, and the clauses of each edition."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Instrument(models.Model):
    """The document being negotiated, across all its editions."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=500)
    body = models.CharField(
        _("body"), max_length=300, blank=True, help_text=_("The organ that adopts the text.")
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.title


class EditionQuerySet(models.QuerySet["Edition"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> EditionQuerySet:
        """Published editions for everyone; unpublished ones for the secretariat."""
        from guidelines.permissions import is_secretariat

        if is_secretariat(user):
            return self
        return self.filter(published=True)


class Edition(models.Model):
    """One text of an instrument: the adopted 2017 text, a revision draft, a working draft."""

    class Status(models.TextChoices):
        ADOPTED = "adopted", _("adopted")
        DRAFT = "draft", _("draft")
        WORKING = "working", _("working draft")

    class Completeness(models.TextChoices):
        COMPLETE = "complete", _("complete")
        PARTIAL = "partial", _("partial")

    class Language(models.TextChoices):
        FR = "fr", _("French")
        EN = "en", _("English")

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="editions", verbose_name=_("instrument")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    label = models.CharField(_("label"), max_length=200)
    title = models.CharField(_("title"), max_length=500, blank=True)
    subtitle = models.TextField(_("subtitle"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    completeness = models.CharField(
        _("completeness"),
        max_length=10,
        choices=Completeness.choices,
        default=Completeness.COMPLETE,
    )
    source_citation = models.TextField(_("source"), blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forks",
        verbose_name=_("based on"),
    )
    # The same text in another language (an English edition beside the French original):
    # their clauses are linked one by one (ClauseCorrespondence, kind "translation").
    language_version_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="language_versions",
        verbose_name=_("language version of"),
        help_text=_("The edition this one gives in another language."),
    )
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Counts the times its clauses moved without a new version (a re-import that only
    # reorders, clause_reorder): no history row says so, and the comparison's cache
    # stamp reads this and the latest history row instead of every clause.
    moves = models.PositiveIntegerField(default=0, editable=False)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["instrument", "date", "slug"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("edition_detail", kwargs={"slug": self.slug})

    @property
    def is_adopted(self) -> bool:
        return self.status == self.Status.ADOPTED

    @property
    def is_partial(self) -> bool:
        return self.completeness == self.Completeness.PARTIAL


class ClauseQuerySet(models.QuerySet["Clause"]):
    def in_document_order(self) -> ClauseQuerySet:
        return self.order_by("order")

    def numbered(self) -> ClauseQuerySet:
        return self.filter(kind__in=[Clause.Kind.PARAGRAPH, Clause.Kind.SUBPARAGRAPH])


class Clause(models.Model):
    """One numbered unit of an edition: a heading, a paragraph, a sub-paragraph, a bullet.

    ``eid`` follows Akoma Ntoso's naming (``para_14-6__point_2``), is unique in its
    edition and survives re-imports and forks. ``version`` counts the changes and guards
    concurrent edits (see ``services.clause_update``).
    """

    class Kind(models.TextChoices):
        SECTION = "section", _("heading")
        ARTICLE = "article", _("article")
        PARAGRAPH = "paragraph", _("paragraph")
        SUBPARAGRAPH = "subparagraph", _("sub-paragraph")
        POINT = "point", _("point")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("edition")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=40, blank=True)
    eid = models.CharField(_("identifier"), max_length=200)
    order = models.PositiveIntegerField(_("order"))
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    heading = models.TextField(_("heading"), blank=True)
    text = models.TextField(_("text"), blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("Where the text comes from, when it is not complete.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # Heading and text folded for search (guidelines.searching), written by the services.
    search_text = models.TextField(blank=True, default="", editable=False)

    # Reasons are the editors' own words, of any length (not a 100-character label).
    # The search text is derived from the wording: the history need not keep it.
    history = HistoricalRecords(
        user_model=settings.AUTH_USER_MODEL,
        history_change_reason_field=models.TextField(null=True),
        excluded_fields=["search_text"],
    )

    objects = ClauseQuerySet.as_manager()

    class Meta:
        ordering = ["edition", "order"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            models.UniqueConstraint(fields=["edition", "eid"], name="clause_eid_unique_in_edition"),
        ]
        indexes = [models.Index(fields=["edition", "order"], name="clause_document_order")]

    def __str__(self) -> str:
        if self.number:
            return f"{self.number}"
        return self.heading or self.eid

    def get_absolute_url(self) -> str:
        # The edition's slug is read through the id cache when it was selected with it.
        return reverse("clause_detail", kwargs={"slug": self.edition.slug, "eid": self.eid})

    @property
    def display_number(self) -> str:
        if self.kind == self.Kind.ARTICLE:
            return _("Article %(number)s") % {"number": self.number}
        return self.number


class ClauseCorrespondence(models.Model):
    """Clause ``source`` of edition A corresponds to clause ``target`` of edition B.

    Auto-alignment proposes (method auto); the secretariat confirms, edits or removes.
    A new clause has no source, a deleted one no target.
    """

    class Kind(models.TextChoices):
        SAME = "same", _("unchanged")
        MODIFIED = "modified", _("modified")
        RENUMBERED = "renumbered", _("renumbered")
        SPLIT = "split", _("split")
        MERGED = "merged", _("merged")
        NEW = "new", _("new")
        DELETED = "deleted", _("deleted")
        # Between language versions: the same clause in the other language.
        TRANSLATION = "translation", _("same clause in another language")

    class Method(models.TextChoices):
        AUTO = "auto", _("proposed automatically")
        MANUAL = "manual", _("set by hand")

    edition_a = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="correspondences_from", verbose_name="A"
    )
    edition_b = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="correspondences_to", verbose_name="B"
    )
    source = models.ForeignKey(
        Clause, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target = models.ForeignKey(
        Clause, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=6, choices=Method.choices)
    score = models.FloatField(_("similarity"), default=0.0)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clause correspondence")
        verbose_name_plural = _("clause correspondences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__isnull=False) | models.Q(target__isnull=False),
                name="correspondence_has_a_clause",
            ),
            models.UniqueConstraint(
                fields=["edition_a", "edition_b", "source", "target"],
                name="correspondence_unique_pair",
            ),
        ]
        indexes = [models.Index(fields=["edition_a", "edition_b"], name="correspondence_editions")]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} ({self.kind})"
