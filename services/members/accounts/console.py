"""`GET /v1/me`: who the caller is and which areas of the console to show them (pure)."""
from __future__ import annotations

from services.common.tenancy import BRANCH_OFFICERS

MEMBER_AREAS = ("my_activities", "my_points", "my_dues", "my_sessions")
OFFICER_AREAS = ("branch_roster", "approvals", "pairings_and_needs", "dues_collection", "invitations")
ADMIN_AREAS = ("tenant_settings", "org_units", "roster_import", "tokens")


def console_areas(roles, is_admin: bool) -> list[str]:
    areas = list(MEMBER_AREAS) if "member" in roles else []
    if is_admin or set(roles) & set(BRANCH_OFFICERS):
        areas += OFFICER_AREAS
    if is_admin:
        areas += ADMIN_AREAS
    return areas


def me(tenant, person, roles: list[str], managed_units: list[str], is_admin: bool) -> dict:
    return {
        "tenant": {"id": str(tenant.id), "code": tenant.code, "name": tenant.name, "timezone": tenant.timezone},
        "person": None if person is None else {
            "id": str(person.id), "name": person.name, "org_unit_id": str(person.org_unit_id),
            "political_status": person.political_status, "category": person.category},
        "roles": roles,
        "managed_units": "all" if is_admin else managed_units,
        "console": console_areas(roles, is_admin),
    }
