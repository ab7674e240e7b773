"""The members service's entrypoints: each checks who calls, validates the payload and hands it
to the module of its noun (tenants, org_units, people, roles, activists, recognition, access,
importing); the entrypoints of pairings and needs, and of sign-in, are mixed in."""
from __future__ import annotations

import base64
import binascii

from services.common.consuming import EventBatch, handles
from services.common.contracts.audit import AUDIT_EVENTS
from services.common.contracts.api import members as member_api
from services.common.db import Database
from services.common.errors import Forbidden, InvalidInput
from services.common.gauges import BusinessGauges
from services.common.outbox import OutboxRelay
from services.common.references import require_known
from services.common.retention import Retention
from services.common.rpc import rpc
from services.common.service import ServiceBase
from services.common.tenancy import PLATFORM_ADMIN
from services.common.validation import parse_uuid, validate
from services.members import (
    access, activists, audit_log, importing, models, org_units, people, recognition, roles, tenants,
)
from services.members.gauges import refresh_followups_overdue, refresh_needs_open
from services.members.importing import files
from services.members.accounts.service import AccountEndpoints
from services.members.development.service import DevelopmentEndpoints
from services.members.pairing.service import PairingEndpoints
from services.members.transfers.service import TransferEndpoints


class MembersService(PairingEndpoints, AccountEndpoints, DevelopmentEndpoints, TransferEndpoints, ServiceBase):
    name = "members"
    # The things of members a request may name by id, beside people and org units.
    owned_things = {"pairing_id": models.pairings, "need_id": models.needs, "post_id": models.pioneer_posts,
                    "commitment_id": models.commitments}

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)
    gauges = BusinessGauges(refresh_followups_overdue, refresh_needs_open)

    @rpc
    def create_tenant(self, payload: dict) -> dict:
        if PLATFORM_ADMIN not in self.caller.roles:
            raise Forbidden("creating a tenant needs the platform_admin role")
        data = validate(member_api.TenantCreate, payload)
        with self.db.transaction() as uow:
            return tenants.create_tenant(uow, data)

    @rpc
    def get_tenant(self) -> dict:
        with self.db.reader() as session:
            return tenants.get_tenant(session, self.caller.tenant_id)

    @rpc
    def update_tenant(self, payload: dict) -> dict:
        self.caller.require_admin()
        data = validate(member_api.TenantUpdate, payload)
        with self.db.transaction() as uow:
            return tenants.update_tenant(uow, self.caller.tenant_id, data)

    @rpc
    def resolve_references(self, references: list) -> dict:
        """The unit of each person and org unit a request names, and that each pairing, need, post
        and commitment it names is of this tenant (called by the gateway for every request naming
        one): 404 naming the field for an id not of the caller's tenant."""
        roster = [(str(kind), str(field), str(parse_uuid(ref, str(field))))
                  for kind, field, ref in references if kind in access.ROSTER_KINDS]
        things = [(str(field), ref) for kind, field, ref in references if kind not in access.ROSTER_KINDS]
        with self.db.reader() as session:
            require_known(session, self.caller.tenant_id, things, self.owned_things)
            return access.resolve_references(session, self.caller.tenant_id, roster)

    @rpc
    def create_org_unit(self, payload: dict) -> dict:
        self.caller.require_admin()
        data = validate(member_api.OrgUnitCreate, payload)
        with self.db.transaction() as uow:
            return org_units.create_org_unit(uow, self.caller.tenant_id, data)

    @rpc
    def create_member(self, payload: dict) -> dict:
        self.caller.require_officer()
        data = validate(member_api.MemberCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, org_unit_id=data.org_unit_id)
            return people.create_member(uow, self.caller.tenant_id, data)

    @rpc
    def get_member(self, member_id) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            return people.get_member(session, self.caller.tenant_id, member_id)

    @rpc
    def issue_token(self, member_id, payload: dict) -> dict:
        self.caller.require_admin()
        member_id = parse_uuid(member_id, "member_id")
        data = validate(member_api.TokenCreate, payload or {})
        with self.db.transaction() as uow:
            return access.issue_member_token(uow, self.caller.tenant_id, member_id, data)

    # -- roster ---------------------------------------------------------------------------

    def _require_manages(self, uow, *, member_id=None, org_unit_id=None, allow_self: bool = False) -> None:
        # Inside the change's own transaction, so a transfer committed meanwhile cannot slip past.
        access.require_manages(uow.session, self.caller.tenant_id, self.caller, member_id=member_id,
                                 org_unit_id=org_unit_id, allow_self=allow_self)

    @rpc
    def list_members(self, query: dict) -> dict:
        self.caller.require_officer()
        data = validate(member_api.MemberQuery, query or {})
        with self.db.reader() as session:
            return people.list_members(session, self.caller.tenant_id, data)

    @rpc
    def update_member(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.MemberUpdate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return people.update_member(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def change_status(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.StatusChange, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return people.change_status(uow, self.caller.tenant_id, member_id, data, self.caller.caller_id)

    @rpc
    def status_history(self, member_id) -> list:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            history = people.status_history(session, self.caller.tenant_id, member_id)
        self.caller.require_self_or_officer(member_id)
        return history

    @rpc
    def transfer_member(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.TransferCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return people.transfer_member(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def transfers(self, member_id) -> list:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            result = people.transfers(session, self.caller.tenant_id, member_id)
        self.caller.require_self_or_officer(member_id)
        return result

    @rpc
    def leave(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.LeaveCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return people.leave(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def assign_role(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.RoleAssign, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id, org_unit_id=data.org_unit_id)
            return roles.assign_role(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def assign_activist(self, activist_id, payload: dict) -> dict:
        activist_id = parse_uuid(activist_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.ActivistAssign, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=activist_id)
            return activists.assign_activist(uow, self.caller.tenant_id, activist_id, data)

    @rpc
    def followers(self, activist_id) -> list:
        activist_id = parse_uuid(activist_id, "member_id")
        with self.db.reader() as session:
            result = activists.followers(session, self.caller.tenant_id, activist_id)
        self.caller.require_self_or_officer(activist_id)
        return result

    # -- organisation tree ----------------------------------------------------------------

    @rpc
    def list_org_units(self) -> list:
        with self.db.reader() as session:
            return org_units.list_org_units(session, self.caller.tenant_id)

    @rpc
    def unit_roles(self, org_unit_id) -> list:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return roles.unit_roles(session, self.caller.tenant_id, org_unit_id)

    @rpc
    def rename_org_unit(self, org_unit_id, payload: dict) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_admin()
        data = validate(member_api.OrgUnitRename, payload)
        with self.db.transaction() as uow:
            return org_units.rename_org_unit(uow, self.caller.tenant_id, org_unit_id, data)

    @rpc
    def move_org_unit(self, org_unit_id, payload: dict) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_admin()
        data = validate(member_api.OrgUnitMove, payload)
        with self.db.transaction() as uow:
            return org_units.move_org_unit(uow, self.caller.tenant_id, org_unit_id, data)

    @rpc
    def close_org_unit(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_admin()
        with self.db.transaction() as uow:
            return org_units.close_org_unit(uow, self.caller.tenant_id, org_unit_id)

    # -- pioneer posts and yearly commitments ---------------------------------------------

    @rpc
    def create_pioneer_post(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(member_api.PioneerPostCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id, org_unit_id=data.org_unit_id)
            return recognition.create_pioneer_post(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def end_pioneer_post(self, post_id, payload: dict) -> dict:
        post_id = parse_uuid(post_id, "post_id")
        self.caller.require_officer()
        data = validate(member_api.PioneerPostEnd, payload)
        with self.db.transaction() as uow:
            post = recognition.pioneer_post(uow.session, self.caller.tenant_id, post_id)
            self._require_manages(uow, member_id=post.person_id)
            return recognition.end_pioneer_post(uow, self.caller.tenant_id, post_id, data)

    @rpc
    def pioneer_posts(self, member_id) -> list:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            result = recognition.member_pioneer_posts(session, self.caller.tenant_id, member_id)
        self.caller.require_self_or_officer(member_id)
        return result

    @rpc
    def unit_pioneer_posts(self, org_unit_id) -> list:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return recognition.unit_pioneer_posts(session, self.caller.tenant_id, org_unit_id)

    @rpc
    def create_commitment(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        data = validate(member_api.CommitmentCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id, allow_self=True)
            return recognition.create_commitment(uow, self.caller.tenant_id, member_id, data)

    @rpc
    def review_commitment(self, commitment_id, payload: dict) -> dict:
        commitment_id = parse_uuid(commitment_id, "commitment_id")
        self.caller.require_officer()
        data = validate(member_api.CommitmentReview, payload)
        with self.db.transaction() as uow:
            found = recognition.commitment(uow.session, self.caller.tenant_id, commitment_id)
            self._require_manages(uow, member_id=found.person_id)
            return recognition.review_commitment(uow, self.caller.tenant_id, commitment_id, self.caller.caller_id, data)

    @rpc
    def commitments(self, member_id) -> list:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            result = recognition.member_commitments(session, self.caller.tenant_id, member_id)
        self.caller.require_self_or_officer(member_id)
        return result

    # -- import and export ----------------------------------------------------------------

    @rpc
    def import_roster(self, payload: dict) -> dict:
        """Import a roster file sent as base64. Rejected files answer with the report, not an error."""
        self.caller.require_officer()
        data = validate(member_api.RosterImport, payload)
        try:
            content = base64.b64decode(data.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput.field("content_base64", "not valid base64") from None
        with self.db.transaction() as uow:
            self._require_manages(uow, org_unit_id=data.branch_id)
            return importing.import_roster(uow, self.caller.tenant_id, data.branch_id, content, data.format,
                                           data.mode, data.dry_run)

    @rpc
    def export_roster(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        with self.db.reader() as session:
            content = files.export_roster(session, self.caller.tenant_id, org_unit_id)
        return {"filename": "roster.xlsx", "format": "xlsx", "content_base64": base64.b64encode(content).decode()}

    # -- the audit log: every service's writes, read by tenant admins --------------------------

    # One consumer per publisher (an event's exchange is its publisher's), in batches: every write
    # request of the system ends here.
    @handles(AUDIT_EVENTS["members"], batch=True)
    def on_members_audit_recorded(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, audit_log.keep)

    @handles(AUDIT_EVENTS["activities"], batch=True)
    def on_activities_audit_recorded(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, audit_log.keep)

    @handles(AUDIT_EVENTS["points"], batch=True)
    def on_points_audit_recorded(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, audit_log.keep)

    @handles(AUDIT_EVENTS["notify"], batch=True)
    def on_notify_audit_recorded(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, audit_log.keep)

    @handles(AUDIT_EVENTS["dues"], batch=True)
    def on_dues_audit_recorded(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, audit_log.keep)

    @rpc
    def audit_log(self, query: dict, fmt: str = "json"):
        """The college's audit log, filtered, a page at a time; or the filtered log as XLSX in
        base64 (`fmt="xlsx"`). Tenant admins only: it names every person's every change."""
        self.caller.require_admin()
        data = validate(member_api.AuditQuery, query or {})
        with self.db.reader() as session:
            if fmt == "xlsx":
                return audit_log.export(session, self.caller.tenant_id, data)
            return audit_log.read(session, self.caller.tenant_id, data)
