"""Who may do what in a shop: the one table every dashboard view and every button asks.

A permission is a short string naming an area and what is done there. Roles are cumulative:
a manager can do what an agent can, an owner what a manager can. Views declare the permission
they need (shops.dashboard_access.dashboard_view); templates show a button only when
`can.<permission with _ for .>` is true, read from this same table.
"""

from shops.models import Role

AGENT_PERMISSIONS = frozenset(
    {
        "dashboard.view",  # the overview
        "inbox.use",  # read conversations, take over, reply, hand back
        "customers.view",
        "orders.view",
        "catalog.view",  # agents answer "is it in stock?": read-only
    }
)
MANAGER_PERMISSIONS = AGENT_PERMISSIONS | {
    "catalog.edit",  # products, variants, images, categories, stock, CSV import
    "orders.manage",  # fulfil, cancel, refund
    "channels.manage",  # connect, disconnect, preview
    "shipping.manage",  # shipping rates
}
OWNER_PERMISSIONS = MANAGER_PERMISSIONS | {
    "settings.manage",  # shop profile
    "team.manage",  # invite, change roles, remove members
    "api_keys.manage",
    "payments.manage",  # payment provider and its keys
    "webhooks.manage",  # integrators' endpoints and their delivery log
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.AGENT: AGENT_PERMISSIONS,
    Role.MANAGER: frozenset(MANAGER_PERMISSIONS),
    Role.OWNER: frozenset(OWNER_PERMISSIONS),
}

ALL_PERMISSIONS = ROLE_PERMISSIONS[Role.OWNER]


def role_can(role: str | None, permission: str) -> bool:
    if permission not in ALL_PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to shops/roles.py")
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())


def permissions_for_template(role: str | None) -> dict[str, bool]:
    """{"catalog_edit": True, …}: templates cannot read keys with dots."""
    return {name.replace(".", "_"): role_can(role, name) for name in ALL_PERMISSIONS}
