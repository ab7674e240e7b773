"""The catalogue of activity kinds and the details each one must carry.

Each kind validates its own `details`; `quantity` is the unit the points rules count (hours of
volunteer service, otherwise one occurrence). Four of them are the monthly four duties (四个一).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts import FOUR_DUTIES


class Details(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OpinionListening(Details):
    """听取党外群众意见: whom, how, and what was heard."""

    whom: str = Field(min_length=1, max_length=200)
    channel: Literal["talk", "forum", "org_life_meeting"]
    opinions: str = Field(min_length=1, max_length=4000)


class ActivistFollowup(Details):
    """掌握入党积极分子学习状态."""

    activist_id: str = Field(min_length=1, max_length=64)
    learning_status: str = Field(min_length=1, max_length=2000)


class TheoryReading(Details):
    """阅读党的理论书籍."""

    title: str = Field(min_length=1, max_length=300)
    notes: str | None = Field(default=None, max_length=4000)


class VolunteerService(Details):
    """志愿服务: the partner organisation; hours go in `quantity`."""

    partner: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ActivityDay(Details):
    """党员活动日: attendance or approved leave, recorded against the branch's scheduled day."""

    activity_day_id: str = Field(min_length=1, max_length=64)
    leave_reason: str | None = Field(default=None, max_length=500)


MeetingType = Literal["branch_meeting", "committee_meeting", "group_meeting", "party_lecture",
                      "org_life_meeting", "forum"]


class OrgLife(Details):
    """三会一课: which meeting and its topic; `meeting_id` when it names a meeting planned here
    (a member is then counted once for it, however their attendance was recorded)."""

    meeting: MeetingType
    topic: str = Field(min_length=1, max_length=300)
    meeting_id: str | None = Field(default=None, min_length=36, max_length=36)


class MeetingAbsence(Details):
    """Absent from a meeting without leave, recorded when it closed (an activity day's absence is
    also deducted by the month close, as before)."""

    meeting: MeetingType | Literal["activity_day"]
    meeting_id: str = Field(min_length=36, max_length=36)


class PairingContact(Details):
    """手拉手、一帮一: a contact with the paired teacher, class or student member."""

    target_type: Literal["staff_non_party", "class", "student_member"]
    target: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)
    needs_raised: str | None = Field(default=None, max_length=2000)


class ServiceProject(Details):
    """三服务: serving students, teachers, society."""

    project: str = Field(min_length=1, max_length=300)
    served: Literal["students", "teachers", "society"]
    role: str | None = Field(default=None, max_length=200)


class IntegrationEvent(Details):
    """三融教育: teacher-ethics talks, contests and the like."""

    title: str = Field(min_length=1, max_length=300)
    format: Literal["talk", "contest", "study_session", "other"]


class Achievement(Details):
    """比工作业绩: an award at school, provincial or national level."""

    title: str = Field(min_length=1, max_length=300)
    level: Literal["school", "provincial", "national"]
    awarded_by: str = Field(min_length=1, max_length=200)


class CustomDetails(Details):
    """A tenant's own kind: what was done."""

    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=4000)


class Kind(BaseModel):
    key: str
    title_zh: str
    details: type[Details]
    unit: Literal["occurrence", "hour"] = "occurrence"
    max_quantity: Decimal = Decimal(1)
    # A member's own log of this kind waits for an officer; an officer's log is approved at once.
    needs_approval: bool = False
    # Recorded only through the activity-day attendance entrypoint, never logged directly.
    activity_day: bool = False
    # Recorded only by closing a meeting, never logged directly.
    by_meeting: bool = False

    @property
    def four_duty(self) -> bool:
        return self.key in FOUR_DUTIES


CATALOGUE: dict[str, Kind] = {
    k.key: k for k in (
        Kind(key="opinion_listening", title_zh="听取党外群众意见", details=OpinionListening),
        Kind(key="activist_followup", title_zh="掌握入党积极分子学习状态", details=ActivistFollowup),
        Kind(key="theory_reading", title_zh="阅读党的理论书籍", details=TheoryReading),
        Kind(key="volunteer_service", title_zh="志愿服务", details=VolunteerService,
             unit="hour", max_quantity=Decimal(24)),
        Kind(key="activity_day_attendance", title_zh="党员活动日出席", details=ActivityDay, activity_day=True),
        Kind(key="activity_day_leave", title_zh="党员活动日请假", details=ActivityDay, activity_day=True),
        Kind(key="org_life", title_zh="三会一课", details=OrgLife),
        Kind(key="meeting_absence", title_zh="会议缺席", details=MeetingAbsence, by_meeting=True),
        Kind(key="pairing_contact", title_zh="手拉手、一帮一联系", details=PairingContact),
        Kind(key="service_project", title_zh="三服务", details=ServiceProject, needs_approval=True),
        Kind(key="integration_event", title_zh="三融教育", details=IntegrationEvent),
        Kind(key="achievement", title_zh="工作业绩", details=Achievement, needs_approval=True),
    )
}
