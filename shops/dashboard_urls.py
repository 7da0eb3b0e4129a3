"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from shops import settings_views, team_views

urlpatterns: list = [
    # Settings → Shop and Team
    path("settings/shop/", settings_views.settings_shop, name="settings_shop"),
    path("settings/team/", team_views.team_page, name="team"),
    path("settings/team/<int:member_id>/role/", team_views.member_role, name="member_role"),
    path("settings/team/<int:member_id>/remove/", team_views.member_remove, name="member_remove"),
    path(
        "settings/team/invitations/<int:invitation_id>/resend/",
        team_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        team_views.invitation_revoke,
        name="invitation_revoke",
    ),
]
