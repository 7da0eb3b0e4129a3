"""Settings → Team: members (with 2FA), invitations sent by e-mail, role changes and removals,
the last owner rule; owners only; another shop's member or invitation is a 404."""

import hashlib
import logging
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from shops.models import Invitation, Membership, Role
from shops.team import invitation_create
from tests.dashboard.conftest import member, signed_in

TEAM = reverse("dashboard:team")

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a request and then what it left for after its commit (the e-mail), as a real
    request would: the test's own transaction never commits."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def role_url(membership):
    return reverse("dashboard:member_role", kwargs={"member_id": membership.pk})


def remove_url(membership):
    return reverse("dashboard:member_remove", kwargs={"member_id": membership.pk})


def membership_of(user, shop):
    return Membership.objects.get(user=user, shop=shop)


def link_in(message) -> str:
    match = re.search(r"http://\S+/accounts/invitation/(\S+)/", message.body)
    assert match, message.body
    return match.group(0)


def test_the_team_lists_members_with_role_since_and_two_factor(owner_client, shop):
    manager = member(shop, Role.MANAGER)
    manager.full_name = "Nadia Manager"
    manager.save()
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={})

    response = owner_client.get(TEAM)

    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(manager.email) : html.index("</tr>", html.index(manager.email))]
    assert "Nadia Manager" in row
    assert '<option value="manager" selected>' in row
    assert "badge-ok" in row and ">On<" in row
    owner_row = html[html.index(owner_client.user.email, html.index("<tbody>")) :]
    owner_row = owner_row[: owner_row.index("</tr>")]
    assert "(you)" in owner_row and ">Off<" in owner_row
    assert 'data-confirm="Remove ' in html


def test_inviting_sends_an_email_with_a_link_and_stores_only_a_digest(
    committed, owner_client, shop
):
    response = committed(
        owner_client.post, TEAM, {"email": " Lea@Example.com ", "role": Role.MANAGER}, follow=True
    )

    assert response.redirect_chain == [(TEAM, 302)]
    html = response.content.decode()
    assert "Invitation sent to lea@example.com as Manager" in html
    invitation = Invitation.objects.get(shop=shop)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "lea@example.com",
        Role.MANAGER,
        owner_client.user,
    )
    assert invitation.state == "pending"
    assert 6.9 < (invitation.expires_at - invitation.created_at).total_seconds() / 86400 <= 7
    [message] = mail.outbox
    assert message.to == ["lea@example.com"]
    assert "Maison Rouge" in message.subject
    token = link_in(message).rstrip("/").rsplit("/", 1)[1]
    assert invitation.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    # Pending, listed with its actions.
    assert "lea@example.com" in html and "Resend" in html and "Revoke" in html


def test_inviting_a_member_is_an_error_beside_the_email(committed, owner_client, shop):
    manager = member(shop, Role.MANAGER)

    response = committed(
        owner_client.post, TEAM, {"email": manager.email.upper(), "role": Role.AGENT}
    )

    assert response.status_code == 200
    html = response.content.decode()
    block = html[html.rfind('<div class="field', 0, html.index('name="email"')) :]
    block = block[: block.index("</div>")]
    assert "has-error" in block and "is already in the team" in block
    assert f'value="{manager.email.upper()}"' in block
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_bad_address_or_role_is_refused(owner_client):
    response = owner_client.post(TEAM, {"email": "not an address", "role": "boss"})

    html = response.content.decode()
    assert "Enter a valid email address" in html and "Select a valid choice" in html
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_again_replaces_the_pending_invitation(
    committed, owner_client, client
):
    committed(owner_client.post, TEAM, {"email": "lea@example.com", "role": Role.AGENT})
    committed(owner_client.post, TEAM, {"email": "lea@example.com", "role": Role.MANAGER})

    first, second = Invitation.objects.order_by("id")
    assert first.state == "revoked" and second.state == "pending"
    assert second.role == Role.MANAGER
    old_link, new_link = (link_in(m) for m in mail.outbox)
    assert client.get(old_link).status_code == 410
    assert "withdrawn" in client.get(old_link).content.decode()
    assert client.get(new_link).status_code == 200
    assert owner_client.get(TEAM).content.decode().count("<td>lea@example.com</td>") == 1


def test_resending_voids_the_old_link_and_sends_a_new_one(committed, owner_client, client, shop):
    committed(owner_client.post, TEAM, {"email": "lea@example.com", "role": Role.AGENT})
    invitation = Invitation.objects.get()
    url = reverse("dashboard:invitation_resend", kwargs={"invitation_id": invitation.pk})

    response = committed(owner_client.post, url, follow=True)

    assert "A new link was sent to lea@example.com" in response.content.decode()
    old_link, new_link = (link_in(m) for m in mail.outbox)
    assert old_link != new_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_revoking_an_invitation(committed, owner_client, client):
    committed(owner_client.post, TEAM, {"email": "lea@example.com", "role": Role.AGENT})
    invitation = Invitation.objects.get()
    url = reverse("dashboard:invitation_revoke", kwargs={"invitation_id": invitation.pk})
    assert 'data-confirm="Revoke the invitation to lea@example.com?' in (
        owner_client.get(TEAM).content.decode()
    )

    response = committed(owner_client.post, url, follow=True)

    assert "The invitation to lea@example.com is revoked." in response.content.decode()
    assert "No pending invitations." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    assert client.get(link_in(mail.outbox[0])).status_code == 410
    # A revoked invitation is not sent again.
    resend = reverse("dashboard:invitation_resend", kwargs={"invitation_id": invitation.pk})
    committed(owner_client.post, resend)
    assert len(mail.outbox) == 1


def test_changing_a_role_takes_effect_at_once(owner_client, shop):
    colleague = member(shop, Role.OWNER, "colleague@example.com")
    their_client = signed_in(colleague)
    assert their_client.get(reverse("dashboard:settings_shop")).status_code == 200

    response = owner_client.post(
        role_url(membership_of(colleague, shop)), {"role": Role.MANAGER}, follow=True
    )

    assert "colleague@example.com is now manager." in response.content.decode()
    assert membership_of(colleague, shop).role == Role.MANAGER
    assert their_client.get(reverse("dashboard:settings_shop")).status_code == 403
    assert their_client.get(reverse("dashboard:shipping_list")).status_code == 200

    owner_client.post(role_url(membership_of(colleague, shop)), {"role": Role.AGENT})
    assert their_client.get(reverse("dashboard:shipping_list")).status_code == 403


def test_removing_a_member(owner_client, shop):
    agent = member(shop, Role.AGENT)
    their_client = signed_in(agent)

    response = owner_client.post(remove_url(membership_of(agent, shop)), follow=True)

    assert f"{agent.email} is no longer in the team." in response.content.decode()
    assert not Membership.objects.filter(user=agent, shop=shop).exists()
    assert agent.__class__.objects.filter(pk=agent.pk).exists()  # the account stays
    assert their_client.get(reverse("dashboard:overview")).status_code == 403  # no shop left


@pytest.fixture
def sole_owner(make_shop):
    """A shop with exactly one owner, signed in."""
    shop = make_shop("Solo", owner_email="solo@example.com")
    membership = Membership.objects.get(shop=shop)
    return shop, membership, signed_in(membership.user)


def test_the_last_owner_cannot_demote_themselves(sole_owner):
    _shop, membership, client = sole_owner

    response = client.post(role_url(membership), {"role": Role.MANAGER})

    assert response.status_code == 200
    assert "solo@example.com is the shop&#x27;s last owner" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_the_last_owner_cannot_remove_themselves(sole_owner):
    _shop, membership, client = sole_owner

    response = client.post(remove_url(membership))

    assert response.status_code == 200
    assert "last owner: make someone else an owner first" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_with_another_owner_one_can_step_down(sole_owner):
    shop, membership, client = sole_owner
    other = member(shop, Role.OWNER, "second@example.com")

    # Demoting yourself out of the team page lands on the overview.
    response = client.post(role_url(membership), {"role": Role.MANAGER})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:overview")
    assert client.get(TEAM).status_code == 403
    # The other owner is now the last one.
    their_client = signed_in(other)
    their_client.post(role_url(membership_of(other, shop)), {"role": Role.AGENT})
    assert membership_of(other, shop).role == Role.OWNER


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_only_owners_manage_the_team(dashboard_client, shop, role):
    client = dashboard_client(role)
    target = membership_of(member(shop, Role.AGENT, "target@example.com"), shop)

    assert client.get(TEAM).status_code == 403
    assert client.post(TEAM, {"email": "x@example.com", "role": Role.OWNER}).status_code == 403
    assert client.post(role_url(target), {"role": Role.OWNER}).status_code == 403
    assert client.post(remove_url(target)).status_code == 403
    target.refresh_from_db()
    assert target.role == Role.AGENT
    assert not Invitation.objects.exists()


def test_another_shops_members_and_invitations_are_not_found(owner_client, other_shop):
    theirs = Membership.objects.get(shop=other_shop)
    invitation, _ = invitation_create(
        shop=other_shop, email="x@example.com", role=Role.AGENT, invited_by=None
    )
    urls = [
        role_url(theirs),
        remove_url(theirs),
        reverse("dashboard:invitation_resend", kwargs={"invitation_id": invitation.pk}),
        reverse("dashboard:invitation_revoke", kwargs={"invitation_id": invitation.pk}),
    ]
    for url in urls:
        assert owner_client.get(url).status_code == 404, url
        assert owner_client.post(url, {"role": Role.AGENT}).status_code == 404, url
    theirs.refresh_from_db()
    invitation.refresh_from_db()
    assert theirs.role == Role.OWNER and invitation.state == "pending"


def test_every_change_is_logged_without_the_token(committed, owner_client, shop, caplog):
    agent = member(shop, Role.AGENT)
    with caplog.at_level(logging.INFO, logger="shops.team"):
        committed(owner_client.post, TEAM, {"email": "lea@example.com", "role": Role.AGENT})
        committed(owner_client.post, role_url(membership_of(agent, shop)), {"role": Role.MANAGER})
        committed(owner_client.post, remove_url(membership_of(agent, shop)))
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    lines = [r.getMessage() for r in caplog.records if r.name == "shops.team"]
    actor = f"user {owner_client.user.pk}"
    assert any(f"shop {shop.pk}: {actor} invited lea@example.com as agent" in x for x in lines)
    assert any(f"changed user {agent.pk}'s role from agent to manager" in x for x in lines)
    assert any(f"shop {shop.pk}: {actor} removed user {agent.pk}" in x for x in lines)
    assert not any(token in x for x in lines)


def test_the_team_page_runs_the_same_queries_for_3_or_40_members(
    owner_client, shop, django_assert_max_num_queries
):
    def grow(start, stop):
        for n in range(start, stop):
            user = member(shop, Role.AGENT, f"agent{n}@example.com")
            Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={n: n})
            invitation_create(
                shop=shop, email=f"invite{n}@example.com", role=Role.AGENT, invited_by=None
            )

    grow(0, 3)
    with django_assert_max_num_queries(14) as few:
        assert owner_client.get(TEAM).status_code == 200
    grow(3, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = owner_client.get(TEAM).content.decode()
    assert "agent39@example.com" in html and "invite39@example.com" in html


def test_the_invitation_service_checks_the_address_for_any_caller(shop):
    with pytest.raises(ValidationError) as refused:
        invitation_create(shop=shop, email="nobody", role=Role.AGENT, invited_by=None)

    assert "email" in refused.value.message_dict
    assert not Invitation.objects.exists()
