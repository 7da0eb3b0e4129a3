"""Dashboard → Settings → Team: members and their roles, invitations. Owners only
(`team.manage`). The rules are in shops/team.py; these views show their outcome."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from shops import team
from shops.dashboard_access import dashboard_view
from shops.dashboard_forms import InvitationForm, MemberRoleForm, add_service_errors
from shops.models import Invitation, Membership, Role
from shops.roles import role_can
from shops.selectors import invitation_open_list, team_member_list
from shops.tenancy import get_for_shop_or_404

MEMBERS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 25


def _team_page(request, *, invite_form=None, member_error=None):
    """The page; `member_error` is (membership, messages) to show beside that member's row."""
    members = Paginator(team_member_list(shop=request.shop), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    invitations = Paginator(invitation_open_list(shop=request.shop), INVITATIONS_PER_PAGE).get_page(
        request.GET.get("invitations_page")
    )
    context = {
        "members": members,
        "invitations": invitations,
        "invite_form": invite_form or InvitationForm(),
        "roles": Role.choices,
        "error_member_id": member_error[0].pk if member_error else None,
        "row_error": " ".join(member_error[1]) if member_error else "",
    }
    return render(request, "shops/team/team.html", context)


@dashboard_view("team.manage", post="team.manage")
def team_page(request):
    """The team, and the invitation form (POST here invites)."""
    if request.method != "POST":
        return _team_page(request)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _ = team.invitation_create(
                shop=request.shop,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}; "
                "the link works for 7 days.",
            )
            return redirect("dashboard:team")
    return _team_page(request, invite_form=form)


def _member(request, member_id: int) -> Membership:
    return get_for_shop_or_404(
        Membership.objects.select_related("user", "shop"), shop=request.shop, pk=member_id
    )


def _after_own_change(request, membership: Membership):
    """Where to go once someone changed their own place in the team: the team page, unless
    they may no longer see it."""
    still_here = Membership.objects.filter(pk=membership.pk).values_list("role", flat=True)
    role = still_here.first()
    if role is not None and role_can(role, "team.manage"):
        return redirect("dashboard:team")
    return redirect("dashboard:overview")


@dashboard_view("team.manage", post="team.manage")
def member_role(request, member_id: int):
    membership = _member(request, member_id)
    if request.method != "POST":
        return redirect("dashboard:team")
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _team_page(request, member_error=(membership, form.errors["role"]))
    try:
        changed = team.member_change_role(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except ValidationError as exc:
        return _team_page(request, member_error=(membership, exc.messages))
    messages.success(request, f"{changed.user.email} is now {changed.get_role_display().lower()}.")
    if changed.user_id == request.user.pk:
        return _after_own_change(request, changed)
    return redirect("dashboard:team")


@dashboard_view("team.manage", post="team.manage")
def member_remove(request, member_id: int):
    membership = _member(request, member_id)
    if request.method != "POST":
        return redirect("dashboard:team")
    try:
        team.member_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        return _team_page(request, member_error=(membership, exc.messages))
    messages.success(request, f"{membership.user.email} is no longer in the team.")
    if membership.user_id == request.user.pk:
        return _after_own_change(request, membership)
    return redirect("dashboard:team")


def _invitation(request, invitation_id: int) -> Invitation:
    return get_for_shop_or_404(
        Invitation.objects.select_related("shop"), shop=request.shop, pk=invitation_id
    )


@dashboard_view("team.manage", post="team.manage")
def invitation_resend(request, invitation_id: int):
    invitation = _invitation(request, invitation_id)
    if request.method == "POST":
        try:
            team.invitation_resend(invitation=invitation, actor=request.user)
        except team.InvitationUnusable as exc:
            messages.error(request, f"This invitation was {exc.state}: it cannot be sent again.")
        else:
            messages.success(
                request, f"A new link was sent to {invitation.email}; the previous one is void."
            )
    return redirect("dashboard:team")


@dashboard_view("team.manage", post="team.manage")
def invitation_revoke(request, invitation_id: int):
    invitation = _invitation(request, invitation_id)
    if request.method == "POST":
        team.invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return redirect("dashboard:team")
