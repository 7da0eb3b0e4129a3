"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from shops import api_key_views, settings_views, team_views, webhook_views

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
    # Settings → API keys and Webhooks
    path("settings/api-keys/", api_key_views.api_key_list, name="api_key_list"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        api_key_views.api_key_revoke,
        name="api_key_revoke",
    ),
    path("settings/webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path("settings/webhooks/new/", webhook_views.webhook_create, name="webhook_create"),
    path(
        "settings/webhooks/<int:endpoint_id>/",
        webhook_views.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/edit/",
        webhook_views.webhook_edit,
        name="webhook_edit",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/toggle/",
        webhook_views.webhook_toggle,
        name="webhook_toggle",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/delete/",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/test/",
        webhook_views.webhook_test,
        name="webhook_test",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/",
        webhook_views.webhook_delivery,
        name="webhook_delivery",
    ),
]
