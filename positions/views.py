from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from guidelines import permissions
from guidelines.views import refuse
from positions import accounts, selectors, services
from positions.forms import (
    AcceptInvitationForm,
    AccreditForm,
    InviteForm,
    OrganisationForm,
    PositionFilterForm,
)
from positions.models import Invitation, Organisation

# Clause groups per page of /positions/.
GROUPS_PER_PAGE = 30


@require_safe
def position_list(request: HttpRequest) -> HttpResponse:
    form = PositionFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "positions/position_list.html",
            {"form": form, "page": None, "total": 0, "papers": selectors.papers_list()},
            status=400,
        )
    cleaned = form.cleaned_data if form.is_bound else {}
    listing = selectors.positions_by_clause(
        user=request.user,
        organisation=cleaned.get("organisation"),
        stance=cleaned.get("stance") or "",
        edition=cleaned.get("edition"),
    )
    page = Paginator(listing.groups, GROUPS_PER_PAGE).get_page(cleaned.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "positions/position_list.html",
        {
            "form": form,
            "page": page,
            "total": listing.total,
            "query": query.urlencode(),
            "papers": selectors.papers_list(),
        },
    )


@require_safe
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_get(pk=pk)
    positions = selectors.paper_positions(paper=paper, user=request.user)
    return render(
        request,
        "positions/paper_detail.html",
        {
            "paper": paper,
            "positions": positions,
            "segments": selectors.paper_segments(text=paper.text, positions=positions),
        },
    )


def _secretariat_only(request: HttpRequest) -> HttpResponse | None:
    if not permissions.is_secretariat(request.user):
        return refuse(request, _("Only the secretariat manages organisations."))
    return None


def _organisations_page(
    request: HttpRequest, *, form: OrganisationForm | None = None, status: int = 200
) -> HttpResponse:
    organisations = Organisation.objects.annotate(members=Count("memberships")).order_by(
        "kind", "name"
    )
    pending = Invitation.objects.filter(accepted_at__isnull=True).select_related("organisation")
    return render(
        request,
        "positions/organisations.html",
        {
            "organisations": organisations,
            "pending": pending,
            "form": form or OrganisationForm(),
            "invite_form": InviteForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The secretariat's list of organisations: add one, accredit, invite members."""
    if (refused := _secretariat_only(request)) is not None:
        return refused
    if request.method == "GET":
        return _organisations_page(request)
    form = OrganisationForm(request.POST)
    if form.is_valid():
        try:
            organisation = services.organisation_create(
                user=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": organisation.name})
            return redirect("organisation_list")
    return _organisations_page(request, form=form, status=400)


@require_POST
def organisation_accredit(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _secretariat_only(request)) is not None:
        return refused
    organisation = get_object_or_404(Organisation, pk=pk)
    form = AccreditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accredit or to withdraw the accreditation."))
        return _organisations_page(request, status=400)
    services.organisation_accredit(
        user=request.user,  # type: ignore[arg-type]
        organisation=organisation,
        accredited=form.cleaned_data["accredited"],
    )
    messages.success(request, _("Accreditation of %(name)s updated.") % {"name": organisation})
    return redirect("organisation_list")


@require_POST
def organisation_invite(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _secretariat_only(request)) is not None:
        return refused
    organisation = get_object_or_404(Organisation, pk=pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["email"]))
        return _organisations_page(request, status=400)
    services.invitation_send(
        user=request.user,  # type: ignore[arg-type]
        organisation=organisation,
        email=form.cleaned_data["email"],
        base_url=request.build_absolute_uri("/"),
    )
    messages.success(
        request,
        _("An invitation to join %(organisation)s was e-mailed to %(email)s.")
        % {"organisation": organisation, "email": form.cleaned_data["email"]},
    )
    return redirect("organisation_list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person chooses a user name and password, and is logged in."""
    try:
        invitation = services.invitation_get(token=token)
    except ValidationError as exc:
        return render(
            request, "positions/invitation.html", {"invalid": " ".join(exc.messages)}, status=404
        )
    status = 200
    if request.method == "POST":
        form = AcceptInvitationForm(request.POST)
        if form.is_valid():
            try:
                user = services.invitation_accept(token=token, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
                messages.success(
                    request,
                    _("Welcome: you are a member of %(organisation)s.")
                    % {"organisation": invitation.organisation.name},
                )
                # A new member of the secretariat sets up the second factor first.
                step = accounts.step_after_password(request)
                if step is not None:
                    return redirect(accounts.with_next(step, reverse("dashboard")))
                return redirect("dashboard")
        else:
            status = 400
    else:
        form = AcceptInvitationForm()
    return render(
        request,
        "positions/invitation.html",
        {"invitation": invitation, "form": form},
        status=status,
    )
