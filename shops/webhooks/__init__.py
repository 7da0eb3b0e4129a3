"""Signed outbound webhooks: the endpoints integrators register and the deliveries made to
them. Events are emitted with `shops.events.event_emit`; docs/webhooks.md is the contract."""
