"""/accounts/invitation/<token>/: the link an invited person opens (public; no dashboard
membership needed, since joining is what it is for).

- No account for the invited address: they choose a name and a password, and are signed in
  to the new shop's dashboard.
- An account exists: they sign in as that address (if not already), then accept in one click.
- Unknown tokens are a 404 page; accepted, revoked or expired invitations a 410 page saying so.
"""

from urllib.parse import urlencode

from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shops import team
from shops.dashboard_access import SESSION_SHOP_KEY
from shops.dashboard_forms import InvitationSignupForm, add_service_errors
from shops.models import Invitation, Membership, User


def _unusable(request, state: str, invitation: Invitation | None = None):
    status = 404 if state == "unknown" else 410
    context = {"state": state, "invitation": invitation}
    return render(request, "shops/invitations/unusable.html", context, status=status)


def _welcome(request, membership: Membership):
    request.session[SESSION_SHOP_KEY] = membership.shop_id
    role = membership.get_role_display().lower()
    messages.success(request, f"Welcome to the team of {membership.shop.name}, as {role}.")


@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    invitation = team.invitation_by_token(token)
    if invitation is None:
        return _unusable(request, "unknown")
    if invitation.state != "pending":
        return _unusable(request, invitation.state, invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        return _existing_account(request, invitation)
    return _new_account(request, invitation)


def _new_account(request, invitation: Invitation):
    form = InvitationSignupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            membership = team.invitation_accept_new_account(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except team.InvitationUnusable as exc:
            return _unusable(request, exc.state, invitation)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = perform_login(
                request, membership.user, redirect_url=reverse("dashboard:overview")
            )
            # After signing in: logging in starts a new session.
            _welcome(request, membership)
            return response
    context = {"invitation": invitation, "form": form}
    return render(request, "shops/invitations/accept_new.html", context)


def _existing_account(request, invitation: Invitation):
    signed_in_as = request.user.email.lower() if request.user.is_authenticated else None
    if signed_in_as == invitation.email and request.method == "POST":
        try:
            membership = team.invitation_accept(invitation=invitation, user=request.user)
        except team.InvitationUnusable as exc:
            return _unusable(request, exc.state, invitation)
        _welcome(request, membership)
        return redirect("dashboard:overview")
    context = {
        "invitation": invitation,
        "signed_in_as": signed_in_as,
        "is_invitee": signed_in_as == invitation.email,
        "sign_in_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
    }
    return render(request, "shops/invitations/accept_existing.html", context)
