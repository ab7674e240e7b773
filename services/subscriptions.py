"""Which service consumes which event: the system's one subscription table.

`python -m services.subscriptions` (`make topology`) prints it with each consumer's queue. The
runner hands it to the shared kit: the topology declares a queue for each row before any service
starts, and the outbox relay publishes every event named here `mandatory` (so one that finds no
queue stays in the outbox). Each row is also declared on its handler (`@handles(...)` in the
service); `declared_subscriptions` reads those back, and a unit test fails when the two differ.
"""
from __future__ import annotations

import inspect

from services.common.consuming import BatchEventHandler, ReliableEventHandler
from services.common.contracts import FOUR_DUTIES
from services.common.contracts.activities import (
    ActivityApproved, ActivityCorrected, ActivityDayScheduled, ActivityKindAdded, ActivityLogged, ActivityRejected,
)
from services.common.contracts.audit import AUDIT_EVENTS
from services.common.contracts.development import DevelopmentStepDue
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged, RoleAssigned,
    TenantConfigured,
)
from services.common.contracts.pairing import NeedAssigned, NeedOverdue, NeedResolved, PairingContactOverdue
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.contracts.transfers import (
    InterTenantTransferAnswered, InterTenantTransferConcluded, InterTenantTransferIssued,
)
from services.common.topology import Subscription as On

# Who is on the roster: notify keeps its people from these; the roster read model activities and
# points keep (services/common/roster.py) adds the org tree and the tenants' time zones.
_PEOPLE = (
    (MemberJoined, "on_member_joined"), (MemberTransferred, "on_member_transferred"),
    (MemberStatusChanged, "on_member_status_changed"), (MemberUpdated, "on_member_updated"),
    (MemberLeft, "on_member_left"),
)
_ROSTER = _PEOPLE + ((OrgUnitChanged, "on_org_unit_changed"), (TenantConfigured, "on_tenant_configured"))

SUBSCRIPTIONS: tuple[On, ...] = (
    # members: pairing follow-up from the contacts logged
    On(ActivityLogged, "members", "on_pairing_contact_logged", only=("pairing_contact",), batch=True),
    On(ActivityApproved, "members", "on_pairing_contact_approved"),
    On(ActivityRejected, "members", "on_pairing_contact_rejected"),
    # members: the two colleges' steps of a transfer between them
    On(InterTenantTransferIssued, "members", "on_inter_tenant_transfer_issued"),
    On(InterTenantTransferAnswered, "members", "on_inter_tenant_transfer_answered"),
    # activities: the roster read model
    *(On(contract, "activities", method) for contract, method in _ROSTER),
    # points: the ledger, and the roster read model
    On(ActivityLogged, "points", "on_activity_logged", batch=True),
    On(ActivityApproved, "points", "on_activity_approved"),
    On(ActivityRejected, "points", "on_activity_rejected"),
    On(ActivityCorrected, "points", "on_activity_corrected"),
    On(ActivityDayScheduled, "points", "on_activity_day_scheduled"),
    On(ActivityKindAdded, "points", "on_activity_kind_added"),
    *(On(contract, "points", method) for contract, method in _ROSTER),
    # dues: the roster read model (who owes, in which branch, from when)
    *(On(contract, "dues", method) for contract, method in _ROSTER),
    # notify: notices, the four duties' marks for reminders, and its people
    On(PointsAwarded, "notify", "on_points_awarded", batch=True),
    On(MonthClosed, "notify", "on_month_closed"),
    On(ActivityLogged, "notify", "on_activity_logged", only=FOUR_DUTIES, batch=True),
    On(ActivityRejected, "notify", "on_activity_rejected"),
    On(ActivityDayScheduled, "notify", "on_activity_day_scheduled"),
    On(PairingContactOverdue, "notify", "on_pairing_contact_overdue"),
    On(NeedOverdue, "notify", "on_need_overdue"),
    On(NeedAssigned, "notify", "on_need_assigned"),
    On(NeedResolved, "notify", "on_need_resolved"),
    On(OrgUnitChanged, "notify", "on_org_unit_changed"),
    On(RoleAssigned, "notify", "on_role_assigned"),
    On(DevelopmentStepDue, "notify", "on_development_step_due"),
    On(InterTenantTransferConcluded, "notify", "on_inter_tenant_transfer_concluded"),
    *(On(contract, "notify", method) for contract, method in _PEOPLE),
    # members: the audit log, from every service's writes
    *(On(contract, "members", f"on_{source}_audit_recorded", batch=True) for source, contract in AUDIT_EVENTS.items()),
)


def declared_subscriptions(service_classes) -> set[On]:
    """What the services' `@handles` decorators declare, in the table's terms."""
    found = set()
    for service_cls in service_classes:
        for _, attr in inspect.getmembers(service_cls, callable):
            for entrypoint in getattr(attr, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    found.add(On(entrypoint.contract, service_cls.name, attr.__name__, entrypoint.only,
                                 isinstance(entrypoint, BatchEventHandler)))
    return found


def table(subscriptions=SUBSCRIPTIONS) -> str:
    """The table as markdown: event, publisher, consumer, what it takes, queue; by event."""
    lines = ["| event | publisher | consumer | takes | queue |", "|---|---|---|---|---|"]
    for each in sorted(subscriptions, key=lambda each: (each.contract.source, each.contract.event_type, each.service)):
        takes = "all" if each.only is None else ", ".join(f"`{value}`" for value in each.only)
        if each.batch:
            takes += ", in batches"
        lines.append(f"| `{each.contract.event_type}` | {each.contract.source} | {each.service}.{each.method} "
                     f"| {takes} | `{each.queue}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
