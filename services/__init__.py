"""The Party-branch services: members, activities, points, notify, and the HTTP gateway.

`services.common` holds what every service uses once: settings, event contracts, the
transactional outbox, idempotent consumption, tenant context and metrics.
"""
