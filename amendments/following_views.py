"""Following pages: follow or stop following, the user's notifications, and the Atom
feed of an edition's amendments.

Thin views over ``amendments.following``. Whoever may not see a thing gets 404 for it,
as on its own page; anonymous visitors are sent to log in.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import F, QuerySet, Value
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Lag
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from amendments import following, selectors
from amendments.models import Amendment
from guidelines import selectors as guideline_selectors
from guidelines.models import Edition

PAGE_SIZE = 50
FEED_SIZE = 100
TARGETS = ("edition", "clause", "amendment")


class BadTarget(ValueError):
    """The form names no target, several, or one that cannot be read (HTTP 400)."""


def _safe_next(request: HttpRequest, default: str) -> str:
    """``next`` if it stays on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _target(request: HttpRequest) -> following.Target:
    """The one thing the form names: ``edition=<slug>``, ``clause=<edition slug>/<eid>``
    or ``amendment=<id>``. 404 for what the user cannot see (``Http404``)."""
    given = {name: request.POST.get(name, "").strip() for name in TARGETS}
    given = {name: value for name, value in given.items() if value}
    if len(given) != 1:
        raise BadTarget(_("Say what to follow: one edition, one clause or one amendment."))
    [(kind, value)] = given.items()
    user = request.user
    if kind == "edition":
        return guideline_selectors.edition_get(slug=value, user=user)
    if kind == "clause":
        slug, _slash, eid = value.partition("/")
        if not slug or not eid:
            raise BadTarget(_("A clause is named by its edition and its identifier."))
        edition = guideline_selectors.edition_get(slug=slug, user=user)
        return guideline_selectors.clause_get(edition=edition, eid=eid)
    if not value.isdigit():
        raise BadTarget(_("An amendment is named by its identifier, a number."))
    return selectors.amendment_get(pk=int(value), user=user)


@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    back = _safe_next(request, reverse("dashboard"))
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    action = request.POST.get("action", "")
    if action not in ("follow", "unfollow"):
        return HttpResponseBadRequest(_("Choose whether to follow or to stop following."))
    try:
        target = _target(request)
    except BadTarget as exc:
        return HttpResponseBadRequest(str(exc))
    if action == "follow":
        following.follow(user=request.user, target=target, language=get_language() or "")
        messages.success(
            request,
            _(
                "You follow it now: new amendments and changes of status will appear in your "
                "notifications."
            ),
        )
    else:
        following.unfollow(user=request.user, target=target)
        messages.success(request, _("You no longer follow it."))
    return redirect(_safe_next(request, target.get_absolute_url()))


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    page = Paginator(following.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "amendments/notifications.html", {"page": page})


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("notification_list"))
    following.notifications_mark_read(user=request.user)
    messages.success(request, _("All your notifications are marked as read."))
    return redirect("notification_list")


class EditionFeed(Feed):
    """An edition's submitted amendments and each change of their status, newest first.

    Read from the amendments' history: a row whose status differs from the row before
    it (for the same amendment) is a change. Rows without a submission date are drafts
    (and drafts withdrawn unsubmitted): never shown.
    """

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Edition:  # type: ignore[override]
        # 404 for an edition the user cannot read (anonymous readers: published only).
        return guideline_selectors.edition_get(slug=slug, user=request.user)

    def title(self, obj: Edition) -> str:
        return _("Amendments to %(edition)s") % {"edition": obj.label}

    def subtitle(self, obj: Edition) -> str:
        return _("Amendments submitted to %(edition)s and the changes of their status.") % {
            "edition": obj.label
        }

    def link(self, obj: Edition) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Edition) -> QuerySet[Any]:
        previous = Window(Lag("status"), partition_by=[F("id")], order_by=[F("history_id").asc()])
        return (
            Amendment.history.filter(edition_id=obj.pk, submitted_at__isnull=False)
            .annotate(previous_status=Coalesce(previous, Value("")))
            .exclude(previous_status=F("status"))
            .only("id", "history_id", "history_date", "number", "status", "proposed_text")
            .order_by("-history_date", "-history_id")[:FEED_SIZE]
        )

    def item_title(self, item: Any) -> str:
        return f"{item.number} {Amendment.Status(item.status).label}"

    def item_link(self, item: Any) -> str:
        # The amendment's page; the fragment makes each change's link, and so its Atom
        # id, unique.
        return reverse("amendment_detail", kwargs={"pk": item.id}) + f"#change-{item.history_id}"

    def item_pubdate(self, item: Any) -> datetime.datetime:
        return item.history_date

    def item_updateddate(self, item: Any) -> datetime.datetime:
        return item.history_date

    def item_description(self, item: Any) -> str:
        # Atom's summary is HTML: the user's text is escaped for it here, and the feed
        # framework escapes the result again for XML.
        return escape(item.proposed_text)


edition_feed = EditionFeed()
