"""The development pipeline's reminders (发展党员): members announces a next step nearing or past
its deadline; the branch's secretaries are told (its robots when it has none on record). Keyed
by person, step, due date and level, so a second announcement sends nothing."""
from __future__ import annotations

from services.common.consuming import handles
from services.common.contracts.development import DevelopmentStepDue
from services.common.db import UnitOfWork
from services.notify.notices import tell_secretaries


def remind_development_step(uow: UnitOfWork, event: DevelopmentStepDue) -> None:
    fields = {"member_name": event.member_name, "step_name": event.step_name, "due_on": event.due_on.isoformat()}
    notice = "development_step_overdue" if event.level == "overdue" else "development_step_due"
    tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, notice,
                     f"{notice}:{event.member_id}:{event.step}:{event.due_on.isoformat()}", fields)


class DevelopmentNotices:
    @handles(DevelopmentStepDue)
    def on_development_step_due(self, event: DevelopmentStepDue) -> bool:
        return self.db.process_once(event, remind_development_step)
