"""The members service's use cases: plain functions over a unit of work, scoped by tenant."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, datetime, timezone as dt_timezone

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.members import (
    ActivistAssigned, CommitmentReviewed, MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred,
    MemberUpdated, OrgUnitChanged, PioneerPostAssigned, RoleAssigned, TenantConfigured,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from services.common.tenancy import CALLER_KEY, ROLES_KEY, Caller
from services.members import models, schemas, statuses

# A branch or group may sit under these kinds; a committee only at the top.
ALLOWED_PARENTS = {
    "committee": (None,),
    "general_branch": (None, "committee"),
    "branch": (None, "committee", "general_branch"),
    "group": ("branch",),
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(uow: UnitOfWork, tenant_id, person_id, roles, label) -> str:
    token = secrets.token_urlsafe(32)
    uow.session.execute(models.api_tokens.insert().values(
        token_hash=hash_token(token), tenant_id=tenant_id, person_id=person_id, roles=sorted(set(roles)), label=label,
    ))
    return token


def tenant_row(session, tenant_id: uuid.UUID):
    row = session.execute(select(models.tenants).where(models.tenants.c.id == tenant_id)).first()
    if row is None:
        raise NotFound("tenant not found")
    return row


def create_tenant(uow: UnitOfWork, data: schemas.TenantCreate) -> dict:
    tenant_id = new_id()
    created = uow.session.execute(
        insert(models.tenants).values(id=tenant_id, code=data.code, name=data.name, timezone=data.timezone)
        .on_conflict_do_nothing(index_elements=["code"]).returning(models.tenants.c.id)
    ).first()
    if created is None:
        raise Conflict(f"code: a tenant with code {data.code!r} already exists",
                       [{"field": "code", "reason": "already exists"}])
    token = _issue_token(uow, tenant_id, None, ["tenant_admin"], "first admin")
    uow.publish(TenantConfigured(tenant_id=tenant_id, name=data.name, timezone=data.timezone))
    return {"tenant": {"id": str(tenant_id), "code": data.code, "name": data.name, "timezone": data.timezone},
            "admin_token": token}


def tenant_dict(row) -> dict:
    return {"id": str(row.id), "code": row.code, "name": row.name, "timezone": row.timezone}


def get_tenant(session, tenant_id: uuid.UUID) -> dict:
    return tenant_dict(tenant_row(session, tenant_id))


def update_tenant(uow: UnitOfWork, tenant_id: uuid.UUID, data: schemas.TenantUpdate) -> dict:
    row = uow.session.execute(select(models.tenants).where(models.tenants.c.id == tenant_id)
                              .with_for_update()).first()
    if row is None:
        raise NotFound("tenant not found")
    changes = {k: v for k, v in data.model_dump(exclude_none=True).items() if getattr(row, k) != v}
    if not changes:
        return tenant_dict(row)
    updated = uow.session.execute(models.tenants.update().where(models.tenants.c.id == tenant_id)
                                  .values(**changes).returning(models.tenants)).first()
    uow.publish(TenantConfigured(tenant_id=tenant_id, name=updated.name, timezone=updated.timezone))
    return tenant_dict(updated)


def authenticate(session, token: str) -> dict:
    row = session.execute(
        select(models.api_tokens.c.tenant_id, models.api_tokens.c.person_id, models.api_tokens.c.roles)
        .where(models.api_tokens.c.token_hash == hash_token(token), models.api_tokens.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthenticated("unknown or revoked token")
    person_id = str(row.person_id) if row.person_id else None
    caller = Caller({CALLER_KEY: person_id, ROLES_KEY: list(row.roles)})
    # Admins manage the whole tenant and members nothing; an officer's units travel with every
    # call the request makes, so the other services scope their changes the way members does.
    units = managed_units(session, row.tenant_id, caller) if caller.is_officer and not caller.is_admin else set()
    return {"tenant_id": str(row.tenant_id), "person_id": person_id, "roles": list(row.roles),
            "managed_units": sorted(str(unit) for unit in units)}


def _org_unit(session, tenant_id, org_unit_id):
    row = session.execute(select(models.org_units).where(
        models.org_units.c.id == org_unit_id, models.org_units.c.tenant_id == tenant_id)).first()
    return row


def publish_org_unit(uow: UnitOfWork, tenant_id, row, change: str) -> None:
    uow.publish(OrgUnitChanged(tenant_id=tenant_id, org_unit_id=row.id, parent_id=row.parent_id, kind=row.kind,
                               name=row.name, closed=row.closed_at is not None, change=change))


def org_unit_dict(row) -> dict:
    return {"id": str(row.id), "kind": row.kind, "name": row.name,
            "parent_id": str(row.parent_id) if row.parent_id else None,
            "closed_at": row.closed_at.isoformat() if row.closed_at else None}


def create_org_unit(uow: UnitOfWork, tenant_id: uuid.UUID, data: schemas.OrgUnitCreate) -> dict:
    parent_kind = None
    if data.parent_id is not None:
        parent = _org_unit(uow.session, tenant_id, data.parent_id)
        if parent is None:
            raise InvalidInput.field("parent_id", "no such org unit in this tenant")
        if parent.closed_at is not None:
            raise InvalidInput.field("parent_id", "this org unit is closed")
        parent_kind = parent.kind
    if parent_kind not in ALLOWED_PARENTS[data.kind]:
        allowed = ", ".join(k or "none" for k in ALLOWED_PARENTS[data.kind])
        raise InvalidInput.field("parent_id", f"a {data.kind} must sit under: {allowed}")
    row = uow.session.execute(models.org_units.insert().values(
        id=new_id(), tenant_id=tenant_id, parent_id=data.parent_id, kind=data.kind, name=data.name)
        .returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "created")
    return org_unit_dict(row)


PERSON_FIELDS = ("external_no", "name", "category", "political_status", "email", "phone", "gender", "ethnicity",
                 "birth_date", "department", "job_title", "wecom_user_id", "dingtalk_user_id", "joined_work_on",
                 "applied_on", "joined_party_on", "full_member_on", "introducers", "status_since")


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def member_dict(row, timezone: str | None = None) -> dict:
    body = {"id": str(row.id), "tenant_id": str(row.tenant_id), "org_unit_id": str(row.org_unit_id)}
    for name in PERSON_FIELDS:
        body[name] = _jsonable(getattr(row, name))
    body["introducers"] = list(row.introducers or [])
    body["left_at"] = _jsonable(row.left_at)
    body["left_reason"] = row.left_reason
    if timezone:
        body["timezone"] = timezone
    return body


def _open_unit_for_people(session, tenant_id, org_unit_id, field: str = "org_unit_id"):
    unit = _org_unit(session, tenant_id, org_unit_id)
    if unit is None:
        raise InvalidInput.field(field, "no such org unit in this tenant")
    if unit.kind not in ("branch", "group"):
        raise InvalidInput.field(field, "people belong to a branch or a group")
    if unit.closed_at is not None:
        raise InvalidInput.field(field, "this org unit is closed")
    return unit


def _person(session, tenant_id, member_id, *, lock: bool = False):
    query = select(models.people).where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        raise NotFound("member not found")
    return row


def _active_person(session, tenant_id, member_id, field: str = "member_id"):
    row = _person(session, tenant_id, member_id, lock=True)
    if row.left_at is not None:
        raise Conflict(f"{field}: this person has left the roster", [{"field": field, "reason": "has left"}])
    return row


STATUS_DATE_FIELD = {"applicant": "applied_on", "probationary": "joined_party_on", "full": "full_member_on"}


def initial_status_date(data) -> date | None:
    field = STATUS_DATE_FIELD.get(data.political_status)
    return getattr(data, field) if field else None


def today() -> date:
    return date.today()


def create_member(uow: UnitOfWork, tenant_id: uuid.UUID, data: schemas.MemberCreate) -> dict:
    _open_unit_for_people(uow.session, tenant_id, data.org_unit_id)
    member_id = new_id()
    values = data.model_dump(exclude_none=True)
    values.setdefault("introducers", [])
    # A person added with a status keeps that status's known date; an unknown date stays unknown
    # rather than "today", so later dated changes are not refused for preceding it.
    since = initial_status_date(data)
    created = uow.session.execute(
        insert(models.people).values(id=member_id, tenant_id=tenant_id, status_since=since, **values)
        .on_conflict_do_nothing(constraint="uq_people_tenant_external_no").returning(models.people)
    ).first()
    if created is None:
        raise Conflict("external_no: already used by another person in this tenant",
                       [{"field": "external_no", "reason": "already exists"}])
    uow.session.execute(models.status_history.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, from_status=None,
        to_status=data.political_status, effective_on=since or today(), note="added to the roster"))
    uow.publish(MemberJoined(
        tenant_id=tenant_id, member_id=member_id, org_unit_id=data.org_unit_id, name=data.name,
        category=data.category, political_status=data.political_status, external_no=data.external_no,
        email=data.email,
    ))
    return member_dict(created)


def update_member(uow: UnitOfWork, tenant_id: uuid.UUID, member_id: uuid.UUID, data: schemas.MemberUpdate) -> dict:
    row = _active_person(uow.session, tenant_id, member_id)
    changes = {k: v for k, v in data.model_dump(include=data.model_fields_set).items()}
    if "introducers" in changes and changes["introducers"] is None:
        changes["introducers"] = []
    for required in ("name", "category"):
        if required in changes and changes[required] is None:
            raise InvalidInput.field(required, "cannot be cleared")
    # The date order must hold across stored and new values, not only inside the request.
    merged = {f: getattr(row, f) for f in schemas.PersonFields.model_fields if f != "introducers"}
    merged.update({k: v for k, v in changes.items() if k in merged})
    try:
        schemas.PersonFields.model_validate({k: v for k, v in merged.items() if v is not None})
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None
    changed = sorted(k for k, v in changes.items() if getattr(row, k) != v)
    if not changed:
        return member_dict(row)
    if "external_no" in changed and changes["external_no"] is not None:
        taken = uow.session.execute(select(models.people.c.id).where(
            models.people.c.tenant_id == tenant_id, models.people.c.external_no == changes["external_no"],
            models.people.c.id != member_id)).first()
        if taken:
            raise Conflict("external_no: already used by another person in this tenant",
                           [{"field": "external_no", "reason": "already exists"}])
    updated = uow.session.execute(
        models.people.update().where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
        .values(updated_at=utcnow(), **{k: changes[k] for k in changed}).returning(models.people)
    ).first()
    uow.publish(MemberUpdated(tenant_id=tenant_id, member_id=member_id, org_unit_id=row.org_unit_id, fields=changed,
                              name=updated.name if "name" in changed else None))
    return member_dict(updated)


def _subtree_ids(session, tenant_id, root_id) -> list:
    units = models.org_units
    tree = select(units.c.id).where(units.c.id == root_id, units.c.tenant_id == tenant_id).cte(recursive=True)
    tree = tree.union_all(select(units.c.id).where(units.c.parent_id == tree.c.id, units.c.tenant_id == tenant_id))
    return [r.id for r in session.execute(select(tree.c.id))]


def list_members(session, tenant_id: uuid.UUID, query: schemas.MemberQuery) -> dict:
    people = models.people
    where = [people.c.tenant_id == tenant_id]
    if query.org_unit_id is not None:
        units = _subtree_ids(session, tenant_id, query.org_unit_id)
        if not units:
            raise NotFound("org unit not found")
        where.append(people.c.org_unit_id.in_(units))
    if query.political_status:
        where.append(people.c.political_status == query.political_status)
    if query.category:
        where.append(people.c.category == query.category)
    if not query.include_left:
        where.append(people.c.left_at.is_(None))
    total = session.execute(select(func.count()).select_from(people).where(*where)).scalar_one()
    rows = session.execute(select(people).where(*where).order_by(people.c.external_no.nulls_last(), people.c.name,
                                                                 people.c.id)
                           .limit(query.limit).offset(query.offset)).all()
    return {"items": [member_dict(r) for r in rows], "total": total, "limit": query.limit, "offset": query.offset}


def get_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> dict:
    row = session.execute(
        select(models.people, models.tenants.c.timezone)
        .join(models.tenants, models.tenants.c.id == models.people.c.tenant_id)
        .where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound("member not found")
    return member_dict(row, row.timezone)


# -- who may change what -------------------------------------------------------------------

def managed_units(session, tenant_id, caller: Caller) -> set:
    """The org units an officer manages: each unit where they hold a current role that their token
    also carries, with its subtree (a branch secretary manages the branch's groups)."""
    if caller.caller_id is None:
        return set()
    r, units = models.role_assignments, models.org_units
    tree = select(r.c.org_unit_id.label("id")).where(
        r.c.tenant_id == tenant_id, r.c.person_id == caller.caller_id, r.c.ended_on.is_(None),
        r.c.role.in_(sorted(caller.roles))).cte(recursive=True)
    tree = tree.union_all(select(units.c.id).where(units.c.parent_id == tree.c.id, units.c.tenant_id == tenant_id))
    return {row.id for row in session.execute(select(tree.c.id))}


def require_manages(session, tenant_id, caller: Caller, *, member_id=None, org_unit_id=None,
                    allow_self: bool = False) -> None:
    """The one check every roster change passes: a tenant admin changes anything in the tenant; an
    officer only people and units of their own branch; anyone else nothing. Someone of another
    tenant answers 404 (the lookups are tenant-scoped); someone of another branch of the same
    tenant answers 403, since the caller may know the person exists (they read the roster).
    `allow_self` lets a member act on their own record (e.g. write their own commitment)."""
    if caller.is_admin:
        return
    if allow_self and member_id is not None and caller.caller_id == member_id:
        _person(session, tenant_id, member_id)
        return
    if not caller.is_officer:
        raise Forbidden("this action needs an officer or tenant_admin role")
    mine = managed_units(session, tenant_id, caller)
    if member_id is not None:
        person = _person(session, tenant_id, member_id)
        if person.org_unit_id not in mine:
            raise Forbidden("officers change only the people of their own branch")
    # An unknown unit is left to the use case, which names the field in its own error.
    if org_unit_id is not None and _org_unit(session, tenant_id, org_unit_id) is not None \
            and org_unit_id not in mine:
        raise Forbidden("officers change only their own branch and its groups")


# -- political status ----------------------------------------------------------------------



def change_status(uow: UnitOfWork, tenant_id, member_id, data: schemas.StatusChange) -> dict:
    row = _active_person(uow.session, tenant_id, member_id)
    statuses.check_transition(row.political_status, data.to_status)
    if data.effective_on > today():
        raise InvalidInput.field("effective_on", "must not be in the future")
    if row.status_since and data.effective_on < row.status_since:
        raise InvalidInput.field("effective_on", f"must not precede the current status's date {row.status_since}")
    values = {"political_status": data.to_status, "status_since": data.effective_on, "updated_at": utcnow()}
    date_field = STATUS_DATE_FIELD.get(data.to_status)
    if date_field:
        values[date_field] = data.effective_on
    updated = uow.session.execute(models.people.update().where(models.people.c.id == member_id)
                                  .values(**values).returning(models.people)).first()
    uow.session.execute(models.status_history.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, from_status=row.political_status,
        to_status=data.to_status, effective_on=data.effective_on, note=data.note))
    uow.publish(MemberStatusChanged(tenant_id=tenant_id, member_id=member_id, org_unit_id=row.org_unit_id,
                                    from_status=row.political_status, to_status=data.to_status,
                                    effective_on=data.effective_on))
    return member_dict(updated)


def status_history(session, tenant_id, member_id) -> list[dict]:
    _person(session, tenant_id, member_id)
    h = models.status_history
    rows = session.execute(select(h).where(h.c.tenant_id == tenant_id, h.c.person_id == member_id)
                           .order_by(h.c.recorded_at, h.c.effective_on)).all()
    return [{"from_status": r.from_status, "to_status": r.to_status, "effective_on": r.effective_on.isoformat(),
             "note": r.note, "recorded_at": r.recorded_at.isoformat()} for r in rows]


# -- transfers and leaving ------------------------------------------------------------------

def transfer_member(uow: UnitOfWork, tenant_id, member_id, data: schemas.TransferCreate) -> dict:
    row = _active_person(uow.session, tenant_id, member_id)
    _open_unit_for_people(uow.session, tenant_id, data.to_org_unit_id, "to_org_unit_id")
    if data.to_org_unit_id == row.org_unit_id:
        raise InvalidInput.field("to_org_unit_id", "the person is already in this org unit")
    t = models.transfers
    last = uow.session.execute(select(func.max(t.c.effective_on)).where(
        t.c.tenant_id == tenant_id, t.c.person_id == member_id)).scalar()
    if last and data.effective_on < last:
        raise InvalidInput.field("effective_on", f"must not precede the previous transfer on {last}")
    if data.effective_on > today():
        raise InvalidInput.field("effective_on", "must not be in the future")
    uow.session.execute(t.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, from_org_unit_id=row.org_unit_id,
        to_org_unit_id=data.to_org_unit_id, effective_on=data.effective_on, note=data.note))
    # Roles belong to a unit: they end when the person leaves it.
    _end_roles(uow, tenant_id, member_id, data.effective_on, org_unit_id=row.org_unit_id)
    updated = uow.session.execute(models.people.update().where(models.people.c.id == member_id)
                                  .values(org_unit_id=data.to_org_unit_id, updated_at=utcnow())
                                  .returning(models.people)).first()
    uow.publish(MemberTransferred(tenant_id=tenant_id, member_id=member_id, from_org_unit_id=row.org_unit_id,
                                  to_org_unit_id=data.to_org_unit_id, effective_on=data.effective_on))
    return member_dict(updated)


def transfers(session, tenant_id, member_id) -> list[dict]:
    _person(session, tenant_id, member_id)
    t = models.transfers
    rows = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.person_id == member_id)
                           .order_by(t.c.effective_on, t.c.recorded_at)).all()
    return [{"from_org_unit_id": str(r.from_org_unit_id), "to_org_unit_id": str(r.to_org_unit_id),
             "effective_on": r.effective_on.isoformat(), "note": r.note} for r in rows]


def _end_roles(uow, tenant_id, member_id, on: date, org_unit_id=None) -> None:
    r = models.role_assignments
    where = [r.c.tenant_id == tenant_id, r.c.person_id == member_id, r.c.ended_on.is_(None)]
    if org_unit_id is not None:
        where.append(r.c.org_unit_id == org_unit_id)
    uow.session.execute(r.update().where(*where).values(ended_on=on))


def leave(uow: UnitOfWork, tenant_id, member_id, data: schemas.LeaveCreate) -> dict:
    row = _active_person(uow.session, tenant_id, member_id)
    if data.left_on > today():
        raise InvalidInput.field("left_on", "must not be in the future")
    _end_roles(uow, tenant_id, member_id, data.left_on)
    f = models.activist_followers
    uow.session.execute(f.update().where(
        f.c.tenant_id == tenant_id, f.c.ended_on.is_(None),
        (f.c.activist_id == member_id) | (f.c.follower_id == member_id)).values(ended_on=data.left_on))
    updated = uow.session.execute(models.people.update().where(models.people.c.id == member_id).values(
        left_at=datetime.combine(data.left_on, datetime.min.time(), tzinfo=dt_timezone.utc),
        left_reason=data.reason, updated_at=utcnow()).returning(models.people)).first()
    uow.publish(MemberLeft(tenant_id=tenant_id, member_id=member_id, org_unit_id=row.org_unit_id,
                           left_on=data.left_on, reason=data.reason))
    return member_dict(updated)


# -- roles and activists --------------------------------------------------------------------

def assign_role(uow: UnitOfWork, tenant_id, member_id, data: schemas.RoleAssign) -> dict:
    person = _active_person(uow.session, tenant_id, member_id)
    unit = _org_unit(uow.session, tenant_id, data.org_unit_id)
    if unit is None:
        raise InvalidInput.field("org_unit_id", "no such org unit in this tenant")
    if unit.closed_at is not None:
        raise InvalidInput.field("org_unit_id", "this org unit is closed")
    wanted_kind = ("group",) if data.role == "group_leader" else ("branch", "general_branch", "committee")
    if unit.kind not in wanted_kind:
        raise InvalidInput.field("org_unit_id", f"a {data.role} is appointed in a {' or '.join(wanted_kind)}")
    if person.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("member_id", "branch roles are held by Party members (probationary or full)")
    r = models.role_assignments
    # One holder per role and unit: the previous holder's term ends when the new one starts.
    uow.session.execute(r.update().where(r.c.tenant_id == tenant_id, r.c.org_unit_id == data.org_unit_id,
                                         r.c.role == data.role, r.c.ended_on.is_(None)).values(ended_on=data.started_on))
    role_id = new_id()
    uow.session.execute(r.insert().values(id=role_id, tenant_id=tenant_id, person_id=member_id,
                                          org_unit_id=data.org_unit_id, role=data.role, started_on=data.started_on))
    uow.publish(RoleAssigned(tenant_id=tenant_id, member_id=member_id, org_unit_id=data.org_unit_id,
                             role=data.role, started_on=data.started_on))
    return {"id": str(role_id), "member_id": str(member_id), "org_unit_id": str(data.org_unit_id),
            "role": data.role, "started_on": data.started_on.isoformat()}


def unit_roles(session, tenant_id, org_unit_id) -> list[dict]:
    if _org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    r = models.role_assignments
    rows = session.execute(select(r, models.people.c.name).join(models.people, models.people.c.id == r.c.person_id)
                           .where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id, r.c.ended_on.is_(None))
                           .order_by(r.c.role)).all()
    return [{"member_id": str(x.person_id), "name": x.name, "role": x.role,
             "started_on": x.started_on.isoformat()} for x in rows]


def assign_activist(uow: UnitOfWork, tenant_id, activist_id, data: schemas.ActivistAssign) -> dict:
    activist = _active_person(uow.session, tenant_id, activist_id)
    if activist.political_status not in ("activist", "candidate"):
        raise InvalidInput.field("member_id", "only activists and candidates are followed up")
    if data.follower_id == activist_id:
        raise InvalidInput.field("follower_id", "an activist cannot follow themself")
    try:
        follower = _active_person(uow.session, tenant_id, data.follower_id, "follower_id")
    except NotFound:
        raise InvalidInput.field("follower_id", "no such person in this tenant") from None
    if follower.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("follower_id", "the follower must be a Party member (probationary or full)")
    f = models.activist_followers
    existing = uow.session.execute(select(f.c.id).where(
        f.c.tenant_id == tenant_id, f.c.activist_id == activist_id, f.c.follower_id == data.follower_id,
        f.c.ended_on.is_(None))).first()
    if existing:
        raise Conflict("follower_id: already follows this activist",
                       [{"field": "follower_id", "reason": "already assigned"}])
    link_id = new_id()
    uow.session.execute(f.insert().values(id=link_id, tenant_id=tenant_id, activist_id=activist_id,
                                          follower_id=data.follower_id, assigned_on=data.assigned_on))
    uow.publish(ActivistAssigned(tenant_id=tenant_id, activist_id=activist_id, follower_id=data.follower_id,
                                 org_unit_id=activist.org_unit_id, assigned_on=data.assigned_on))
    return {"id": str(link_id), "activist_id": str(activist_id), "follower_id": str(data.follower_id),
            "assigned_on": data.assigned_on.isoformat()}


def followers(session, tenant_id, activist_id) -> list[dict]:
    _person(session, tenant_id, activist_id)
    f = models.activist_followers
    rows = session.execute(select(f, models.people.c.name).join(models.people, models.people.c.id == f.c.follower_id)
                           .where(f.c.tenant_id == tenant_id, f.c.activist_id == activist_id,
                                  f.c.ended_on.is_(None))).all()
    return [{"follower_id": str(x.follower_id), "name": x.name, "assigned_on": x.assigned_on.isoformat()}
            for x in rows]


# -- the organisation tree ------------------------------------------------------------------

def list_org_units(session, tenant_id) -> list[dict]:
    u = models.org_units
    rows = session.execute(select(u).where(u.c.tenant_id == tenant_id).order_by(u.c.created_at, u.c.name)).all()
    return [org_unit_dict(r) for r in rows]


def _unit_or_404(session, tenant_id, org_unit_id, lock=False):
    query = select(models.org_units).where(models.org_units.c.id == org_unit_id,
                                           models.org_units.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("org unit not found")
    return row


def rename_org_unit(uow: UnitOfWork, tenant_id, org_unit_id, data: schemas.OrgUnitRename) -> dict:
    unit = _unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    if unit.name == data.name:
        return org_unit_dict(unit)
    row = uow.session.execute(models.org_units.update().where(models.org_units.c.id == org_unit_id)
                              .values(name=data.name).returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "renamed")
    return org_unit_dict(row)


def move_org_unit(uow: UnitOfWork, tenant_id, org_unit_id, data: schemas.OrgUnitMove) -> dict:
    unit = _unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    parent_kind = None
    if data.parent_id is not None:
        parent = _org_unit(uow.session, tenant_id, data.parent_id)
        if parent is None:
            raise InvalidInput.field("parent_id", "no such org unit in this tenant")
        if parent.closed_at is not None:
            raise InvalidInput.field("parent_id", "this org unit is closed")
        if data.parent_id in _subtree_ids(uow.session, tenant_id, org_unit_id):
            raise InvalidInput.field("parent_id", "an org unit cannot move under itself or its own descendants")
        parent_kind = parent.kind
    if parent_kind not in ALLOWED_PARENTS[unit.kind]:
        allowed = ", ".join(k or "none" for k in ALLOWED_PARENTS[unit.kind])
        raise InvalidInput.field("parent_id", f"a {unit.kind} must sit under: {allowed}")
    if unit.parent_id == data.parent_id:
        return org_unit_dict(unit)
    row = uow.session.execute(models.org_units.update().where(models.org_units.c.id == org_unit_id)
                              .values(parent_id=data.parent_id).returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "moved")
    return org_unit_dict(row)


def close_org_unit(uow: UnitOfWork, tenant_id, org_unit_id) -> dict:
    unit = _unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    if unit.closed_at is not None:
        raise Conflict("org unit: already closed", [{"field": "org_unit_id", "reason": "already closed"}])
    u, p = models.org_units, models.people
    open_children = uow.session.execute(select(func.count()).select_from(u).where(
        u.c.tenant_id == tenant_id, u.c.parent_id == org_unit_id, u.c.closed_at.is_(None))).scalar_one()
    people_left = uow.session.execute(select(func.count()).select_from(p).where(
        p.c.tenant_id == tenant_id, p.c.org_unit_id == org_unit_id, p.c.left_at.is_(None))).scalar_one()
    if open_children or people_left:
        raise Conflict(f"org unit: still has {open_children} open sub-units and {people_left} people; "
                       "move or close them first",
                       [{"field": "org_unit_id", "reason": "not empty"}])
    r = models.role_assignments
    uow.session.execute(r.update().where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id,
                                         r.c.ended_on.is_(None)).values(ended_on=today()))
    row = uow.session.execute(u.update().where(u.c.id == org_unit_id).values(closed_at=utcnow())
                              .returning(u)).first()
    publish_org_unit(uow, tenant_id, row, "closed")
    return org_unit_dict(row)


def issue_member_token(uow: UnitOfWork, tenant_id, member_id, data: schemas.TokenCreate) -> dict:
    get_member(uow.session, tenant_id, member_id)
    token = _issue_token(uow, tenant_id, member_id, data.roles, data.label)
    return {"token": token, "member_id": str(member_id), "roles": sorted(set(data.roles))}


def issue_tenant_token(uow: UnitOfWork, tenant_id, member_id, data: schemas.TokenCreate) -> dict:
    """A token from the command line: a person's own, or an admin token that belongs to nobody."""
    tenant_row(uow.session, tenant_id)
    if member_id is not None:
        try:
            return issue_member_token(uow, tenant_id, member_id, data)
        except NotFound:
            raise InvalidInput.field("member", "no such person in this tenant") from None
    # Branch roles are scoped by the holder's own appointments, and "member" by their own
    # records: without a person only the tenant-wide role means anything.
    if set(data.roles) != {"tenant_admin"}:
        raise InvalidInput.field("role", "a token without --member can only carry tenant_admin")
    token = _issue_token(uow, tenant_id, None, data.roles, data.label)
    return {"token": token, "member_id": None, "roles": sorted(set(data.roles))}


# -- pioneer posts and yearly commitments ---------------------------------------------------

def post_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.person_id), "org_unit_id": str(row.org_unit_id),
            "title": row.title, "started_on": row.started_on.isoformat(), "ended_on": _jsonable(row.ended_on)}


def create_pioneer_post(uow: UnitOfWork, tenant_id, member_id, data: schemas.PioneerPostCreate) -> dict:
    person = _active_person(uow.session, tenant_id, member_id)
    if person.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("member_id", "pioneer posts are held by Party members (probationary or full)")
    unit_id = data.org_unit_id or person.org_unit_id
    unit = _org_unit(uow.session, tenant_id, unit_id)
    if unit is None:
        raise InvalidInput.field("org_unit_id", "no such org unit in this tenant")
    if unit.closed_at is not None:
        raise InvalidInput.field("org_unit_id", "this org unit is closed")
    row = uow.session.execute(models.pioneer_posts.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, org_unit_id=unit_id, title=data.title,
        started_on=data.started_on, ended_on=data.ended_on).returning(models.pioneer_posts)).first()
    uow.publish(PioneerPostAssigned(tenant_id=tenant_id, post_id=row.id, member_id=member_id, org_unit_id=unit_id,
                                    title=data.title, started_on=data.started_on, ended_on=data.ended_on))
    return post_dict(row)


def pioneer_post(session, tenant_id, post_id, lock: bool = False):
    p = models.pioneer_posts
    query = select(p).where(p.c.id == post_id, p.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("pioneer post not found")
    return row


def end_pioneer_post(uow: UnitOfWork, tenant_id, post_id, data: schemas.PioneerPostEnd) -> dict:
    post = pioneer_post(uow.session, tenant_id, post_id, lock=True)
    if post.ended_on is not None:
        raise Conflict(f"ended_on: this post already ended on {post.ended_on}",
                       [{"field": "ended_on", "reason": "already ended"}])
    if data.ended_on < post.started_on:
        raise InvalidInput.field("ended_on", f"must not precede started_on {post.started_on}")
    p = models.pioneer_posts
    row = uow.session.execute(p.update().where(p.c.id == post_id).values(ended_on=data.ended_on)
                              .returning(p)).first()
    return post_dict(row)


def member_pioneer_posts(session, tenant_id, member_id) -> list[dict]:
    _person(session, tenant_id, member_id)
    p = models.pioneer_posts
    rows = session.execute(select(p).where(p.c.tenant_id == tenant_id, p.c.person_id == member_id)
                           .order_by(p.c.started_on, p.c.created_at)).all()
    return [post_dict(r) for r in rows]


def unit_pioneer_posts(session, tenant_id, org_unit_id, on: date | None = None) -> list[dict]:
    """Posts held on `on` (default today) in the unit and its subtree, with the holders' names."""
    units = _subtree_ids(session, tenant_id, org_unit_id)
    if not units:
        raise NotFound("org unit not found")
    on = on or today()
    p = models.pioneer_posts
    rows = session.execute(
        select(p, models.people.c.name).join(models.people, models.people.c.id == p.c.person_id)
        .where(p.c.tenant_id == tenant_id, p.c.org_unit_id.in_(units), p.c.started_on <= on,
               (p.c.ended_on.is_(None)) | (p.c.ended_on >= on))
        .order_by(p.c.title, models.people.c.name)).all()
    return [{**post_dict(r), "name": r.name} for r in rows]


def commitment_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.person_id), "year": row.year, "items": list(row.items),
            "review": None if row.result is None else {
                "result": row.result, "reviewed_on": row.reviewed_on.isoformat(), "comment": row.comment,
                "reviewer_id": _jsonable(row.reviewer_id)}}


def create_commitment(uow: UnitOfWork, tenant_id, member_id, data: schemas.CommitmentCreate) -> dict:
    _active_person(uow.session, tenant_id, member_id)
    # A commitment is written at the start of its year, at the earliest in the December before.
    if data.year > today().year + 1:
        raise InvalidInput.field("year", "commitments are made for this year or the next")
    c = models.commitments
    row = uow.session.execute(
        insert(c).values(id=new_id(), tenant_id=tenant_id, person_id=member_id, year=data.year, items=data.items)
        .on_conflict_do_nothing(constraint="uq_commitments_person_year").returning(c)).first()
    if row is None:
        raise Conflict(f"year: this member already has a commitment for {data.year}",
                       [{"field": "year", "reason": "already exists"}])
    return commitment_dict(row)


def commitment(session, tenant_id, commitment_id, lock: bool = False):
    c = models.commitments
    query = select(c).where(c.c.id == commitment_id, c.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("commitment not found")
    return row


# Reviews belong to the year-end appraisal, which starts in the commitment year's December.
REVIEW_OPENS = (12, 1)


def review_commitment(uow: UnitOfWork, tenant_id, commitment_id, reviewer_id, data: schemas.CommitmentReview) -> dict:
    row = commitment(uow.session, tenant_id, commitment_id, lock=True)
    if reviewer_id is not None and reviewer_id == row.person_id:
        raise Forbidden("a commitment is reviewed by someone other than the member who made it")
    if row.result is not None:
        raise Conflict(f"commitment: already reviewed on {row.reviewed_on}",
                       [{"field": "commitment_id", "reason": "already reviewed"}])
    opens = date(row.year, *REVIEW_OPENS)
    if data.reviewed_on < opens:
        raise InvalidInput.field("reviewed_on", f"the review of {row.year} opens on {opens.isoformat()}")
    if data.reviewed_on > today():
        raise InvalidInput.field("reviewed_on", "must not be in the future")
    person = _person(uow.session, tenant_id, row.person_id)
    c = models.commitments
    updated = uow.session.execute(c.update().where(c.c.id == commitment_id).values(
        result=data.result, reviewed_on=data.reviewed_on, comment=data.comment, reviewer_id=reviewer_id)
        .returning(c)).first()
    uow.publish(CommitmentReviewed(tenant_id=tenant_id, commitment_id=commitment_id, member_id=row.person_id,
                                   org_unit_id=person.org_unit_id, year=row.year, result=data.result,
                                   reviewed_on=data.reviewed_on, reviewer_id=reviewer_id))
    return commitment_dict(updated)


def member_commitments(session, tenant_id, member_id) -> list[dict]:
    _person(session, tenant_id, member_id)
    c = models.commitments
    rows = session.execute(select(c).where(c.c.tenant_id == tenant_id, c.c.person_id == member_id)
                           .order_by(c.c.year)).all()
    return [commitment_dict(r) for r in rows]
