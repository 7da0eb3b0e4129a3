"""Accepting an invitation at /accounts/invitation/<token>/: as a new person (name and
password, then signed in to the shop) or with an existing account (sign in, one click);
unknown, expired, revoked and used links."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shops.dashboard_access import SESSION_SHOP_KEY
from shops.models import Invitation, Membership, Role, User
from shops.team import invitation_accept, invitation_create, invitation_revoke
from tests.dashboard.conftest import member, signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"
OVERVIEW = reverse("dashboard:overview")


@pytest.fixture
def invite(shop):
    inviter = member(shop, Role.OWNER, "boss@example.com")
    inviter.full_name = "Camille Boss"
    inviter.save()

    def make(email="lea@example.com", role=Role.MANAGER, of=None):
        invitation, token = invitation_create(
            shop=of or shop, email=email, role=role, invited_by=inviter
        )
        return invitation, reverse("invitation_accept", kwargs={"token": token})

    return make


def test_a_new_person_sets_a_name_and_password_and_lands_in_the_shop(client, shop, invite):
    invitation, link = invite(role=Role.MANAGER)

    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Maison Rouge" in html
    assert "Camille Boss invites you" in html and "<strong>manager</strong>" in html
    assert 'value="lea@example.com" readonly' in html

    response = client.post(
        link, {"full_name": "Léa Martin", "password": PASSWORD, "password_again": PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == OVERVIEW
    user = User.objects.get(email="lea@example.com")
    assert user.full_name == "Léa Martin" and user.check_password(PASSWORD)
    assert Membership.objects.get(user=user, shop=shop).role == Role.MANAGER
    invitation.refresh_from_db()
    assert invitation.state == "accepted" and invitation.accepted_by == user
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[SESSION_SHOP_KEY] == shop.pk
    overview = client.get(OVERVIEW).content.decode()
    assert "Welcome to the team of Maison Rouge, as manager." in overview
    assert "lea@example.com · Manager" in overview
    # The link is spent.
    assert client.get(link).status_code == 410


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "12345678", "password_again": "12345678"}, "password", "too common"),
        ({"password": "short", "password_again": "short"}, "password", "too short"),
        ({"password": PASSWORD, "password_again": PASSWORD + "x"}, "password_again", "differ"),
        ({"full_name": "", "password": PASSWORD, "password_again": PASSWORD}, "full_name", ""),
    ],
)
def test_a_password_the_validators_refuse_is_an_error_beside_it(
    client, invite, data, field, message
):
    invitation, link = invite()

    response = client.post(link, {"full_name": "Léa Martin", **data})

    assert response.status_code == 200
    html = response.content.decode()
    block = html[html.rfind('<div class="field', 0, html.index(f'name="{field}"')) :]
    block = block[: block.index("</div>")]
    assert "has-error" in block and message in block
    assert not User.objects.filter(email="lea@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.state == "pending"
    assert SESSION_KEY not in client.session


def test_an_existing_account_is_asked_to_sign_in_then_accepts_in_one_click(client, shop, invite):
    other_shop_owner = User.objects.create_user("lea@example.com", PASSWORD)
    invitation, link = invite(role=Role.AGENT)

    page = client.get(link).content.decode()
    assert "Sign in to accept" in page
    login = f"{reverse('account_login')}?{urlencode({'next': link})}"
    assert f'href="{login}"' in page
    # Not signed in: posting accepts nothing.
    client.post(link)
    assert not Membership.objects.filter(user=other_shop_owner).exists()

    signed_in_page = client.post(
        reverse("account_login"), {"login": "lea@example.com", "password": PASSWORD, "next": link}
    )
    assert signed_in_page.status_code == 302 and signed_in_page["Location"] == link
    assert "Join Maison Rouge</button>" in client.get(link).content.decode()

    response = client.post(link)

    assert response.status_code == 302 and response["Location"] == OVERVIEW
    assert Membership.objects.get(user=other_shop_owner, shop=shop).role == Role.AGENT
    assert client.session[SESSION_SHOP_KEY] == shop.pk
    invitation.refresh_from_db()
    assert invitation.accepted_by == other_shop_owner


def test_a_member_of_another_shop_lands_on_the_new_shop(shop, make_shop, invite):
    elsewhere = make_shop("Aardvark Store", owner_email="lea@example.com")  # sorts first
    client = signed_in(User.objects.get(email="lea@example.com"))
    _, link = invite()

    client.post(link)

    overview = client.get(OVERVIEW).content.decode()
    assert "<h1>Maison Rouge</h1>" in overview
    assert Membership.objects.get(shop=elsewhere).role == Role.OWNER


def test_signed_in_as_someone_else_the_invitation_is_not_theirs(invite, shop):
    User.objects.create_user("lea@example.com", PASSWORD)
    intruder = member(shop, Role.AGENT, "intruder@example.com")
    client = signed_in(intruder)
    invitation, link = invite(role=Role.OWNER)

    page = client.get(link).content.decode()
    assert "but you are signed in as intruder@example.com" in page
    assert "Sign out" in page

    client.post(link)

    assert Membership.objects.get(user=intruder, shop=shop).role == Role.AGENT
    invitation.refresh_from_db()
    assert invitation.state == "pending"
    # Signing out from there comes back to the invitation, to sign in as the right person.
    signed_out = client.post(reverse("account_logout"), {"next": link})
    assert signed_out["Location"] == link
    assert "Sign in to accept" in client.get(link).content.decode()


def test_the_service_refuses_another_account(invite):
    """The view never offers it; the service holds the rule for any other caller."""
    invitation, _ = invite()
    someone = User.objects.create_user("someone@example.com", PASSWORD)

    with pytest.raises(ValidationError, match=r"for lea@example\.com"):
        invitation_accept(invitation=invitation, user=someone)

    assert not Membership.objects.filter(user=someone).exists()


def test_expired_revoked_and_used_links_say_so(client, shop, invite):
    expired, expired_link = invite("old@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    revoked, revoked_link = invite("gone@example.com")
    invitation_revoke(invitation=revoked, actor=None)
    used, used_link = invite("done@example.com")
    invitation_accept(invitation=used, user=User.objects.create_user("done@example.com", "x"))

    for link, words in (
        (expired_link, "This invitation has expired"),
        (revoked_link, "This invitation was withdrawn"),
        (used_link, "This invitation was already used"),
    ):
        response = client.get(link)
        assert response.status_code == 410, link
        assert words in response.content.decode()
        # Posting does not create an account or a membership either.
        client.post(link, {"full_name": "X", "password": PASSWORD, "password_again": PASSWORD})
    assert not User.objects.filter(email__in=["old@example.com", "gone@example.com"]).exists()
    # The two owners and the person who accepted, once.
    assert Membership.objects.filter(shop=shop).count() == 3


def test_an_unknown_link_is_not_found(client, invite):
    invite()
    response = client.get(reverse("invitation_accept", kwargs={"token": "x" * 43}))

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert client.get("/accounts/invitation/" + "y" * 500 + "/").status_code == 404


def test_an_invitation_for_someone_already_in_the_team_keeps_their_role(shop, invite):
    _, link = invite("lea@example.com", role=Role.AGENT)
    lea = member(shop, Role.OWNER, "lea@example.com")  # added meanwhile, as owner
    client = signed_in(lea)

    client.post(link)

    assert Membership.objects.get(user=lea, shop=shop).role == Role.OWNER
