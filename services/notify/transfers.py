"""A transfer between colleges concluded (组织关系转接): the origin's secretaries are told, and
the person, whichever the outcome. Keyed by transfer, so a second announcement sends nothing."""
from __future__ import annotations

from services.common.consuming import handles
from services.common.contracts.transfers import InterTenantTransferConcluded
from services.common.db import UnitOfWork
from services.notify.notices import tell_secretaries
from services.notify.sending import notify_person

OUTCOME_NAMES_ZH = {"accepted": "已被接收，已转出", "refused": "未被接收，组织关系保留在本学院",
                    "expired": "逾期未获答复，组织关系保留在本学院"}


def tell_transfer_concluded(uow: UnitOfWork, event: InterTenantTransferConcluded) -> None:
    fields = {"member_name": event.member_name, "letter_no": event.letter_no,
              "outcome": event.outcome, "outcome_name": OUTCOME_NAMES_ZH[event.outcome]}
    cause = f"inter_tenant_transfer_concluded:{event.transfer_id}"
    tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, "inter_tenant_transfer_concluded",
                     cause, fields)
    notify_person(uow, event.tenant_id, event.member_id, "inter_tenant_transfer_concluded", f"{cause}:member",
                  fields, org_unit_id=event.org_unit_id)


class TransferNotices:
    @handles(InterTenantTransferConcluded)
    def on_inter_tenant_transfer_concluded(self, event: InterTenantTransferConcluded) -> bool:
        return self.db.process_once(event, tell_transfer_concluded)
