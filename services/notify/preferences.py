"""Where a person wants their notices: their address, language and channels per notice, set by
themselves; and the choice of channels a notice goes to (pure, so it is tested without servers)."""
from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from services.common.db import UnitOfWork
from services.notify import models, templates
from services.notify.read_model import recipient


def preferred_channels(notice: str, preferences: dict, email: str | None) -> list[str]:
    """The channels beyond the inbox (always on) a person wants `notice` on: those they chose for
    it, or for the notice it falls back to (a deduction to awards); with no choice, email when
    an address is known."""
    preferred = preferences.get(notice, preferences.get(templates.PREFERENCE_FALLBACK.get(notice)))
    return preferred if preferred is not None else (["email"] if email else [])


def channels_for(notice: str, preferences: dict, email: str | None, robot_kinds: Collection[str]) -> list[str]:
    """The outside channels `notice` goes to for a person, given the robots (by kind) enabled in
    the unit it concerns: email whenever preferred (with no address it fails visibly in the
    delivery log), a group robot only where one of that kind is there."""
    return [channel for channel in preferred_channels(notice, preferences, email)
            if channel == "email" or channel in robot_kinds]


def _preferences_dict(row, person_id) -> dict:
    # name and org_unit_id are what notify learnt from the roster's events (read only here).
    if row is None:
        return {"person_id": str(person_id), "email": None, "language": "zh", "notices": {},
                "name": None, "org_unit_id": None}
    return {"person_id": str(row.person_id), "email": row.email, "language": row.language,
            "notices": row.preferences, "name": row.name,
            "org_unit_id": str(row.org_unit_id) if row.org_unit_id else None}


def get_preferences(session, tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict:
    return _preferences_dict(recipient(session, tenant_id, person_id), person_id)


def set_preferences(uow: UnitOfWork, tenant_id: uuid.UUID, person_id: uuid.UUID, prefs) -> dict:
    r = models.recipients
    values = {"email": prefs.email, "language": prefs.language, "preferences": prefs.notices}
    row = uow.session.execute(
        insert(r).values(tenant_id=tenant_id, person_id=person_id, **values)
        .on_conflict_do_update(index_elements=[r.c.tenant_id, r.c.person_id], set_={**values, "updated_at": func.now()})
        .returning(r)
    ).first()
    return _preferences_dict(row, person_id)
