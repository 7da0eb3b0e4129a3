"""A shop's team: invitations, role changes and removals.

Every rule about who is in a team lives here, once: the last owner can be neither demoted nor
removed; an address already in the team cannot be invited; inviting an address again replaces
its open invitation. Each write locks the shop row first, so two owners acting at once (both
demoting the other, say) are serialised and the rules hold. Every change is logged with the
shop, the actor and the target (ids and e-mail addresses, never a token).
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shops.models import Invitation, Membership, Role, Shop, User

logger = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
LAST_OWNER = "{email} is the shop's last owner: make someone else an owner first."
ALREADY_MEMBER = "{email} is already in the team."
WRONG_ACCOUNT = "This invitation is for {email}: sign in with that address to accept it."
ACCOUNT_EXISTS = "An account already exists for {email}: sign in to accept the invitation."


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired; `state` says which."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


def invitation_digest(token: str) -> str:
    # Tokens are 256-bit random: a fast hash is enough, as for API keys.
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SOUK_PUBLIC_URL + reverse("invitation_accept", kwargs={"token": token})


def _lock_shop(shop: Shop) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop.pk)


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_role(role: str, field: str = "role") -> None:
    if role not in Role.values:
        raise ValidationError({field: f"'{role}' is not a role."})


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.digest = invitation_digest(token)
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    return token


def _send(invitation: Invitation, token: str, invited_by: User | None) -> None:
    context = {
        "shop": invitation.shop,
        "role": invitation.get_role_display(),
        "inviter": (invited_by.full_name or invited_by.email) if invited_by else "",
        "link": invitation_link(token),
        "expires_at": invitation.expires_at,
    }
    subject = f"Join {invitation.shop.name} on Souk"
    body = render_to_string("shops/invitations/email.txt", context)
    # On commit: no e-mail for an invitation that was rolled back.
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))


def invitation_create(
    *, shop: Shop, email: str, role: str, invited_by: User | None
) -> tuple[Invitation, str]:
    """Invites `email` with `role` and e-mails the accept link (valid 7 days). Returns the
    invitation and its token (only its digest is stored). Raises ValidationError naming
    `email` (already a member) or `role`."""
    email = _normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    _check_role(role)
    with transaction.atomic():
        shop = _lock_shop(shop)
        if Membership.objects.filter(shop=shop, user__email__iexact=email).exists():
            raise ValidationError({"email": ALREADY_MEMBER.format(email=email)})
        replaced = Invitation.objects.filter(
            shop=shop, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation(shop=shop, email=email, role=role, invited_by=invited_by)
        token = _new_token(invitation)
        invitation.save()
        _send(invitation, token, invited_by)
    logger.info(
        "shop %s: %s invited %s as %s (invitation %s%s)",
        shop.pk,
        _who(invited_by),
        email,
        role,
        invitation.pk,
        ", replacing the previous one" if replaced else "",
    )
    return invitation, token


def invitation_resend(*, invitation: Invitation, actor: User | None) -> tuple[Invitation, str]:
    """A new link (the old one stops working) valid 7 more days, e-mailed again. Only an
    invitation neither accepted nor revoked can be sent again; an expired one can."""
    with transaction.atomic():
        _lock_shop(invitation.shop)
        invitation = Invitation.objects.select_related("shop").get(pk=invitation.pk)
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise InvitationUnusable(invitation.state)
        token = _new_token(invitation)
        invitation.save(update_fields=["digest", "expires_at"])
        _send(invitation, token, actor)
    logger.info(
        "shop %s: %s resent invitation %s to %s",
        invitation.shop_id,
        _who(actor),
        invitation.pk,
        invitation.email,
    )
    return invitation, token


def invitation_revoke(*, invitation: Invitation, actor: User | None) -> Invitation:
    """The link stops working. Revoking twice, or an accepted invitation, changes nothing."""
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    if updated:
        logger.info(
            "shop %s: %s revoked invitation %s to %s",
            invitation.shop_id,
            _who(actor),
            invitation.pk,
            invitation.email,
        )
    invitation.refresh_from_db()
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token names, whatever its state; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("shop", "invited_by")
        .filter(digest=invitation_digest(token))
        .first()
    )


def _accept(invitation: Invitation, user: User) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.state != "pending":
        raise InvitationUnusable(locked.state)
    if user.email.lower() != locked.email:
        raise ValidationError(WRONG_ACCOUNT.format(email=locked.email))
    # Someone already in the team keeps their role: accepting never demotes an owner.
    membership, created = Membership.objects.get_or_create(
        shop_id=locked.shop_id, user=user, defaults={"role": locked.role}
    )
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    logger.info(
        "shop %s: user %s accepted invitation %s as %s%s",
        locked.shop_id,
        user.pk,
        locked.pk,
        membership.role,
        "" if created else " (already a member)",
    )
    return membership


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` (who must have the invited address) joins the team with the invited role.
    Raises InvitationUnusable, or ValidationError for another account."""
    with transaction.atomic():
        _lock_shop(invitation.shop)
        return _accept(invitation, user)


def invitation_accept_new_account(
    *, invitation: Invitation, full_name: str, password: str
) -> Membership:
    """Creates the invited person's account with their name and password and accepts the
    invitation, in one transaction. Raises ValidationError naming `password` when a password
    validator refuses it, or when an account already exists for the address."""
    candidate = User(email=invitation.email, full_name=full_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    try:
        with transaction.atomic():
            _lock_shop(invitation.shop)
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError(ACCOUNT_EXISTS.format(email=invitation.email))
            user = User.objects.create_user(invitation.email, password, full_name=full_name)
            return _accept(invitation, user)
    except IntegrityError as exc:  # the same address signed up concurrently
        raise ValidationError(ACCOUNT_EXISTS.format(email=invitation.email)) from exc


def _owners_left(shop: Shop, *, without: Membership) -> int:
    return Membership.objects.filter(shop=shop, role=Role.OWNER).exclude(pk=without.pk).count()


def member_change_role(*, membership: Membership, role: str, actor: User | None) -> Membership:
    """Raises ValidationError naming `role` when the last owner would be demoted."""
    _check_role(role)
    with transaction.atomic():
        shop = _lock_shop(membership.shop)
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
        previous = membership.role
        if previous == role:
            return membership
        if previous == Role.OWNER and not _owners_left(shop, without=membership):
            raise ValidationError({"role": LAST_OWNER.format(email=membership.user.email)})
        membership.role = role
        membership.save(update_fields=["role"])
    logger.info(
        "shop %s: %s changed user %s's role from %s to %s",
        shop.pk,
        _who(actor),
        membership.user_id,
        previous,
        role,
    )
    return membership


def member_remove(*, membership: Membership, actor: User | None) -> None:
    """Takes the person out of the team (their account stays). Raises ValidationError when
    they are the last owner, whoever asks, themselves included."""
    with transaction.atomic():
        shop = _lock_shop(membership.shop)
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
        if membership.role == Role.OWNER and not _owners_left(shop, without=membership):
            raise ValidationError(LAST_OWNER.format(email=membership.user.email))
        membership.delete()
    logger.info(
        "shop %s: %s removed user %s (was %s)",
        shop.pk,
        _who(actor),
        membership.user_id,
        membership.role,
    )


def _who(actor: User | None) -> str:
    return f"user {actor.pk}" if actor is not None else "system"
