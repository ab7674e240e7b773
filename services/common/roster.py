"""The roster as a consuming service keeps it: read models fed by the members service's events.

Services never read each other's tables, so points and activities each keep a copy of who is on
the roster, in which org unit, with which political status, whether they have left, the org
tree, and each tenant's time zone. The tables and the way each event updates them are defined
here once; each service gives its own table names (they live in its own schema).

Ordering: every consumer queue is separate, so a transfer may be consumed before the join it
follows (a retry, a stopped consumer). An event about a member not known yet raises
`MemberNotKnownYet`, an ordinary error: the consumer retries it later instead of losing it.
Effects are last-writer-wins by the event's own date (effective_on, left_on), so two transfers
consumed out of order still leave the later one in force.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Boolean, Column, Date, Index, MetaData, String, Table, case, select
from sqlalchemy.dialects.postgresql import UUID, insert

from services.common.consuming import handles
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged,
    TenantConfigured,
)

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Political statuses bound by the four duties and the activity day (党员: probationary or full).
PARTY_STATUSES = ("probationary", "full")


class MemberNotKnownYet(Exception):
    """The member_joined this event follows has not been consumed yet; retrying will find it."""


def roster_table(metadata: MetaData, name: str, unit_index: str) -> Table:
    return Table(
        name, metadata,
        Column("member_id", UUID(as_uuid=True), primary_key=True),
        Column("tenant_id", UUID(as_uuid=True), nullable=False),
        # The current unit; `unit_since` is the effective date of the transfer that put them there.
        Column("org_unit_id", UUID(as_uuid=True), nullable=False),
        Column("name", String(100), nullable=False),
        # Null on rows learnt before statuses were kept: treated as a Party member, as before.
        Column("political_status", String(16)),
        # The status before the latest change, in force until `status_since`.
        Column("status_since", Date),
        Column("previous_status", String(16)),
        Column("unit_since", Date),
        Column("left_on", Date),
        Index(unit_index, "tenant_id", "org_unit_id"),
    )


def org_units_table(metadata: MetaData, name: str = "org_units") -> Table:
    return Table(
        name, metadata,
        Column("org_unit_id", UUID(as_uuid=True), primary_key=True),
        Column("tenant_id", UUID(as_uuid=True), nullable=False),
        Column("parent_id", UUID(as_uuid=True)),
        Column("kind", String(16), nullable=False),
        Column("name", String(200), nullable=False),
        Column("closed", Boolean, nullable=False),
        Index(f"ix_{name}_tenant", "tenant_id"),
    )


def tenants_table(metadata: MetaData, name: str = "tenants") -> Table:
    return Table(
        name, metadata,
        Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("timezone", String(64), nullable=False),
    )


# --- applying the members service's events --------------------------------------------------------

def remember_member(session, table: Table, event) -> bool:
    """member_joined. False when the member was already known (a re-import publishes it again)."""
    inserted = session.execute(insert(table).values(
        member_id=event.member_id, tenant_id=event.tenant_id, org_unit_id=event.org_unit_id, name=event.name,
        political_status=event.political_status,
    ).on_conflict_do_nothing().returning(table.c.member_id)).first()
    return inserted is not None


def _known(session, table: Table, tenant_id, member_id):
    row = session.execute(select(table).where(
        table.c.member_id == member_id, table.c.tenant_id == tenant_id).with_for_update()).first()
    if row is None:
        raise MemberNotKnownYet(f"member {member_id} has not joined this read model yet")
    return row


def follow_transfer(session, table: Table, event) -> bool:
    """member_transferred. False when a transfer with a later date is already in force."""
    row = _known(session, table, event.tenant_id, event.member_id)
    if row.unit_since is not None and row.unit_since > event.effective_on:
        return False
    session.execute(table.update().where(table.c.member_id == event.member_id).values(
        org_unit_id=event.to_org_unit_id, unit_since=event.effective_on))
    return True


def follow_status(session, table: Table, event) -> bool:
    """member_status_changed. False when a change with a later date is already in force."""
    row = _known(session, table, event.tenant_id, event.member_id)
    if row.status_since is not None and row.status_since > event.effective_on:
        return False
    session.execute(table.update().where(table.c.member_id == event.member_id).values(
        political_status=event.to_status, previous_status=event.from_status, status_since=event.effective_on))
    return True


def follow_update(session, table: Table, event) -> None:
    """member_updated: the read model keeps only the name of what an edit may change. Edits carry
    no date of their own, so two renames consumed out of order (one of them retried) leave the
    one consumed last; the next edit sets it right."""
    if "name" not in event.fields or event.name is None:
        return
    _known(session, table, event.tenant_id, event.member_id)
    session.execute(table.update().where(table.c.member_id == event.member_id).values(name=event.name))


def follow_leaving(session, table: Table, event) -> None:
    """member_left: the person stays on the read model (their history keeps its names)."""
    _known(session, table, event.tenant_id, event.member_id)
    session.execute(table.update().where(table.c.member_id == event.member_id).values(left_on=event.left_on))


def remember_org_unit(session, table: Table, event) -> None:
    """org_unit_changed carries the unit's whole state: upsert it."""
    state = dict(parent_id=event.parent_id, kind=event.kind, name=event.name, closed=event.closed)
    stmt = insert(table).values(org_unit_id=event.org_unit_id, tenant_id=event.tenant_id, **state)
    session.execute(stmt.on_conflict_do_update(index_elements=["org_unit_id"], set_=state))


def remember_tenant(session, table: Table, event) -> None:
    state = dict(name=event.name, timezone=event.timezone)
    stmt = insert(table).values(tenant_id=event.tenant_id, **state)
    session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id"], set_=state))


def _applied_to(table: str, apply):
    """A `RosterReadModel` method: `apply(session, <its table>, event)` in the unit of work."""
    def method(self, uow, event) -> None:
        apply(uow.session, getattr(self, table), event)
    method.__doc__ = apply.__doc__
    return method


class RosterReadModel:
    """One service's roster read model: its three tables, and each members event applied to them
    in a unit of work. A `RosterFollower` takes one as its `roster_handlers`; a service that does
    more with an event (points dates a transfer's effect on balances) overrides that method."""

    def __init__(self, members: Table, org_units: Table, tenants: Table):
        self.members, self.org_units, self.tenants = members, org_units, tenants

    # On the right, the module's functions above (a class body reads names it has not bound yet
    # from the module).
    remember_member = _applied_to("members", remember_member)
    follow_transfer = _applied_to("members", follow_transfer)
    follow_status = _applied_to("members", follow_status)
    follow_update = _applied_to("members", follow_update)
    follow_leaving = _applied_to("members", follow_leaving)
    remember_org_unit = _applied_to("org_units", remember_org_unit)
    remember_tenant = _applied_to("tenants", remember_tenant)


# --- reading them ------------------------------------------------------------------------------

def counted_on(table: Table, day: date):
    """SQL condition: on the roster on `day` and bound by the Party duties then.

    A member who left on or before `day` is no longer counted; the status in force on `day` is
    the previous one while a later-dated change has not taken effect yet.
    """
    status = _status_on(table, day)
    return ((table.c.left_on.is_(None) | (table.c.left_on > day))
            & (status.is_(None) | status.in_(PARTY_STATUSES)))


def _status_on(table: Table, day: date):
    return case((table.c.status_since.is_(None) | (table.c.status_since <= day), table.c.political_status),
                else_=table.c.previous_status)


def timezone_of(session, table: Table, tenant_id) -> str:
    zone = session.execute(select(table.c.timezone).where(table.c.tenant_id == tenant_id)).scalar_one_or_none()
    return zone or DEFAULT_TIMEZONE


def today_in(zone: str, now: datetime | None = None) -> date:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(DEFAULT_TIMEZONE)
    return (now or datetime.now(timezone.utc)).astimezone(tz).date()


class OrgTree:
    """A tenant's org units as parent links and kinds, for walking up and down in memory."""

    def __init__(self, units: dict[uuid.UUID, tuple[uuid.UUID | None, str]]):
        self.units = units

    @classmethod
    def load(cls, session, table: Table, tenant_id) -> "OrgTree":
        rows = session.execute(select(table.c.org_unit_id, table.c.parent_id, table.c.kind)
                               .where(table.c.tenant_id == tenant_id)).all()
        return cls({u: (p, k) for u, p, k in rows})

    def kind(self, unit) -> str | None:
        known = self.units.get(unit)
        return known[1] if known else None

    def branch_of(self, unit):
        """The branch a unit belongs to (a group's members belong to the branch above it); a
        unit with no branch at or above it, or one not learnt yet, stands for itself."""
        seen, current = set(), unit
        while current in self.units and current not in seen:
            seen.add(current)
            parent, kind = self.units[current]
            if kind == "branch":
                return current
            current = parent
        return unit

    def subtree(self, unit) -> list:
        """`unit` and every unit below it."""
        children: dict = {}
        for child, (parent, _) in self.units.items():
            children.setdefault(parent, []).append(child)
        found, stack = [], [unit]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.append(current)
            stack.extend(children.get(current, []))
        return found

    def closing_units(self, branch) -> list:
        """The units whose members a branch's month close counts: itself and what sits below it
        without a branch of its own in between."""
        return [u for u in self.subtree(branch) if u == branch or self.branch_of(u) == branch]


# --- the consumers ---------------------------------------------------------------------------------

class RosterFollower:
    """Mixin for a service that keeps the roster read model: one consumer per members event.

    The service sets `roster_handlers` to a `RosterReadModel` over its own tables, or to a subclass
    that does more with an event (points records each transfer's date for balances; dues keeps
    each joiner's staff number).
    """

    roster_handlers = None

    @handles(MemberJoined)
    def on_member_joined(self, event: MemberJoined) -> bool:
        return self.db.process_once(event, self.roster_handlers.remember_member)

    @handles(MemberTransferred)
    def on_member_transferred(self, event: MemberTransferred) -> bool:
        return self.db.process_once(event, self.roster_handlers.follow_transfer)

    @handles(MemberStatusChanged)
    def on_member_status_changed(self, event: MemberStatusChanged) -> bool:
        return self.db.process_once(event, self.roster_handlers.follow_status)

    @handles(MemberUpdated)
    def on_member_updated(self, event: MemberUpdated) -> bool:
        return self.db.process_once(event, self.roster_handlers.follow_update)

    @handles(MemberLeft)
    def on_member_left(self, event: MemberLeft) -> bool:
        return self.db.process_once(event, self.roster_handlers.follow_leaving)

    @handles(OrgUnitChanged)
    def on_org_unit_changed(self, event: OrgUnitChanged) -> bool:
        return self.db.process_once(event, self.roster_handlers.remember_org_unit)

    @handles(TenantConfigured)
    def on_tenant_configured(self, event: TenantConfigured) -> bool:
        return self.db.process_once(event, self.roster_handlers.remember_tenant)
