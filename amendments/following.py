"""Following editions, clauses and amendments, and the notifications it brings.

A user follows what they can see. When an amendment is submitted or changes status, the
followers of the amendment, of its clause and of its edition are told; when an edition
is created, the followers of the editions of its instrument (the one it is based on
among them). Each follower is told once per event, never about their own act, and only
about what they can see: a draft is never announced.

A notification stores facts, not a sentence (``Notification.message`` writes it in the
reader's language). The e-mails go out when the transaction commits, each in the
language the recipient used when they last followed something.

Whatever the number of followers, an event costs two queries: the followers (with their
organisations, which the permission checks read) and one bulk insert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from amendments.models import Amendment, Follow, Notification
from guidelines import permissions
from guidelines.models import Clause, Edition
from guidelines.permissions import User

logger = logging.getLogger(__name__)

Target = Edition | Clause | Amendment

# PermissionDenied argument: the user may not follow what they cannot see.
NOT_VISIBLE = "not-visible"

EMAIL_SUBJECT_PREFIX = "[Redraft] "


# --- following -------------------------------------------------------------------------


def _user_id(user: User) -> int:
    """The logged-in user's id (the callers have checked that it is one)."""
    assert user.is_authenticated and user.pk is not None
    return int(user.pk)


def _target_filter(target: Target) -> dict[str, Target]:
    if isinstance(target, Edition):
        return {"edition": target}
    if isinstance(target, Clause):
        return {"clause": target}
    if isinstance(target, Amendment):
        return {"amendment": target}
    raise TypeError(f"cannot follow {target!r}")


def can_follow(user: User | None, target: Target) -> bool:
    """Logged-in users follow what they can see."""
    if user is None or not user.is_authenticated:
        return False
    if isinstance(target, Amendment):
        return permissions.can_view_amendment(user, target)
    edition = target.edition if isinstance(target, Clause) else target
    return permissions.can_view_edition(user, edition)


@transaction.atomic
def follow(*, user: User, target: Target, language: str = "") -> Follow:
    """The user follows the edition, clause or amendment (again: nothing changes but the
    language their e-mails are written in). ``PermissionDenied`` for what they cannot see.
    """
    if not can_follow(user, target):
        raise PermissionDenied(NOT_VISIBLE)
    # get_or_create survives a double click: the unique constraint refuses the second
    # row and the existing one is read instead.
    row, created = Follow.objects.get_or_create(
        user_id=_user_id(user), **_target_filter(target), defaults={"language": language}
    )
    if not created and language and row.language != language:
        row.language = language
        row.save(update_fields=["language"])
    return row


@transaction.atomic
def unfollow(*, user: User, target: Target) -> None:
    """The user stops following; not following already is no error."""
    if not can_follow(user, target):
        raise PermissionDenied(NOT_VISIBLE)
    Follow.objects.filter(user_id=_user_id(user), **_target_filter(target)).delete()


def following_state(
    user: User | None,
    *,
    edition: Edition | None = None,
    clause: Clause | None = None,
    amendment: Amendment | None = None,
) -> bool:
    """Whether the user follows the one target given (one query; none when anonymous)."""
    target = {
        name: value
        for name, value in (("edition", edition), ("clause", clause), ("amendment", amendment))
        if value is not None
    }
    if len(target) != 1:
        raise TypeError("following_state takes exactly one of edition, clause, amendment")
    if user is None or not user.is_authenticated:
        return False
    return Follow.objects.filter(user_id=_user_id(user), **target).exists()


# --- notifying -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    user: User
    language: str


def _recipients(follows: Q, *, actor: User | None) -> list[_Recipient]:
    """The active users with a follow matching ``follows``, once each, the actor left
    out; with the language of their latest follow. One query."""
    rows = (
        Follow.objects.filter(follows, user__is_active=True)
        .select_related("user__membership__organisation")
        .order_by("-created_at", "-pk")
    )
    if actor is not None and actor.is_authenticated:
        rows = rows.exclude(user_id=actor.pk)
    recipients: dict[int, _Recipient] = {}
    for row in rows:
        if row.user_id in recipients:
            continue
        user = row.user
        membership = getattr(user, "membership", None)
        # permissions.organisation_of caches the organisation on the user: filled here
        # from the row just read, the checks below cost no query per follower.
        setattr(user, permissions._CACHE, membership.organisation if membership else None)
        recipients[row.user_id] = _Recipient(user, row.language)
    return list(recipients.values())


def _notify(
    recipients: Iterable[_Recipient], *, edition: Edition, amendment: Amendment | None, **facts
) -> list[Notification]:
    """One notification per recipient (one insert), the e-mails after the commit."""
    recipients = list(recipients)
    if not recipients:
        return []
    url = amendment.get_absolute_url() if amendment is not None else edition.get_absolute_url()
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user_id=_user_id(r.user),
                edition=edition,
                amendment=amendment,
                edition_label=edition.label,
                url=url,
                created_at=now,
                **facts,
            )
            for r in recipients
        ]
    )
    messages = [
        _email(notification, r)
        for notification, r in zip(notifications, recipients, strict=True)
        if r.user.email  # type: ignore[union-attr]
    ]
    if messages:
        # After the commit: a rolled-back change sends nothing.
        transaction.on_commit(lambda: _send(messages))
    return notifications


def _send(messages: list[tuple[str, str, None, list[str]]]) -> None:
    # The change is committed by now: a mail server that is down must not turn it into
    # an error page. The notifications are in the list either way.
    try:
        send_mass_mail(messages)
    except OSError:  # smtplib.SMTPException is one
        logger.exception("The notification e-mails could not be sent.")


def _email(notification: Notification, recipient: _Recipient) -> tuple[str, str, None, list[str]]:
    """Subject and plain-text body in the recipient's language (the site's by default)."""
    language = recipient.language or settings.LANGUAGE_CODE
    # A relative link unless the site's address is configured.
    link = getattr(settings, "REDRAFT_SITE_URL", "").rstrip("/") + notification.url
    with translation.override(language):
        message = notification.message
        body = _(
            "%(message)s\n\n%(link)s\n\n"
            "You receive this e-mail because you follow this edition, clause or amendment "
            "on Redraft. To stop, open it and choose “Stop following”.\n"
        ) % {"message": message, "link": link}
    return (EMAIL_SUBJECT_PREFIX + message, body, None, [recipient.user.email])  # type: ignore[union-attr]


def notify_amendment_submitted(amendment: Amendment, *, actor: User | None) -> list[Notification]:
    """Tell the followers of the amendment, its clause and its edition that it was
    submitted (numbered and public). Nothing for a draft."""
    if not amendment.is_public:
        return []
    recipients = _recipients(
        Q(amendment_id=amendment.pk)
        | Q(clause_id=amendment.clause_id)
        | Q(edition_id=amendment.edition_id),
        actor=actor,
    )
    return _notify(
        [r for r in recipients if permissions.can_view_amendment(r.user, amendment)],
        edition=amendment.edition,
        amendment=amendment,
        verb=Notification.Verb.AMENDMENT_SUBMITTED,
        amendment_number=amendment.number,
        new_status=amendment.status,
    )


def notify_status_changed(
    amendment: Amendment, old_status: str, *, actor: User | None
) -> list[Notification]:
    """Tell the followers of the amendment, its clause and its edition that its status
    went from ``old_status`` to its current one. Nothing for a draft (a draft withdrawn
    before submission was never public) and nothing if the status did not change."""
    if not amendment.is_public or old_status == amendment.status:
        return []
    recipients = _recipients(
        Q(amendment_id=amendment.pk)
        | Q(clause_id=amendment.clause_id)
        | Q(edition_id=amendment.edition_id),
        actor=actor,
    )
    return _notify(
        [r for r in recipients if permissions.can_view_amendment(r.user, amendment)],
        edition=amendment.edition,
        amendment=amendment,
        verb=Notification.Verb.STATUS_CHANGED,
        amendment_number=amendment.number,
        old_status=old_status,
        new_status=amendment.status,
    )


def notify_edition_created(edition: Edition, *, actor: User | None) -> list[Notification]:
    """Tell the followers of the edition it is based on, and of any edition of the same
    instrument, that the edition exists; only those who can see it (a working draft is
    unpublished: the secretariat's)."""
    follows = Q(edition__instrument_id=edition.instrument_id)
    if edition.based_on_id is not None:
        follows |= Q(edition_id=edition.based_on_id)
    recipients = _recipients(follows, actor=actor)
    return _notify(
        [r for r in recipients if permissions.can_view_edition(r.user, edition)],
        edition=edition,
        amendment=None,
        verb=Notification.Verb.EDITION_CREATED,
    )


# --- reading ---------------------------------------------------------------------------


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first (a queryset: paginate it)."""
    return Notification.objects.filter(user_id=_user_id(user)).order_by("-created_at", "-pk")


def unread_count(user: User | None) -> int:
    """How many notifications the user has not marked read (one COUNT; none anonymous)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=_user_id(user), read_at__isnull=True).count()


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    """Mark all the user's notifications read; how many were unread."""
    return Notification.objects.filter(user_id=_user_id(user), read_at__isnull=True).update(
        read_at=timezone.now()
    )
