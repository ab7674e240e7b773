"""The steps of the development pipeline (发展党员) as data: 25 steps in 5 stages, after the national
rules (《中国共产党发展党员工作细则》). Pure: the decisions on order, earliest dates and deadlines are
made here and tested without servers.

A step names who acts, the materials its record should carry, and its timing relative to an
earlier step: `earliest` (not before), `deadline` (due by) and `remind_days` (the reminder comes
that many days before the deadline). The five `milestone` steps are the ones that change the
political status; nothing else does.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping

STAGES = ("application", "activist", "candidate", "admission", "probation")


@dataclass(frozen=True)
class Offset:
    """A span after an earlier step's date: `months` calendar months plus `days` days."""

    after: str
    months: int = 0
    days: int = 0

    def from_(self, start: date) -> date:
        return add_months(start, self.months) + timedelta(days=self.days)


@dataclass(frozen=True)
class Step:
    code: str
    stage: str
    name_zh: str
    actor: str
    materials: tuple[str, ...] = ()
    milestone: str | None = None  # the political status the step confers
    earliest: Offset | None = None
    deadline: Offset | None = None
    remind_days: int = 14
    meeting: bool = False  # a meeting's record carries its votes


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


STEPS: tuple[Step, ...] = (
    # 1. 申请入党
    Step("submit_application", "application", "递交入党申请书", "applicant", ("入党申请书",), milestone="applicant"),
    Step("application_talk", "application", "党组织派人谈话", "branch", ("谈话记录",),
         deadline=Offset("submit_application", months=1), remind_days=7),
    # 2. 入党积极分子的确定和培养教育
    Step("recommend_activist", "activist", "推荐和确定入党积极分子", "branch_committee",
         ("推荐材料", "支部委员会会议记录"), milestone="activist"),
    Step("file_activist", "activist", "上级党委备案", "higher_committee", ("备案报告",)),
    Step("assign_mentors", "activist", "指定培养联系人", "branch_committee", ("培养联系人名单",)),
    Step("activist_education", "activist", "培养教育考察", "mentors", ("培养考察登记表", "思想汇报")),
    # 3. 发展对象的确定和考察
    Step("determine_candidate", "candidate", "确定发展对象", "branch_committee",
         ("听取意见记录", "支部委员会会议记录"), milestone="candidate",
         earliest=Offset("recommend_activist", months=12)),
    Step("file_candidate", "candidate", "报上级党委备案", "higher_committee", ("备案报告",)),
    Step("assign_introducers", "candidate", "确定入党介绍人", "branch", ("入党介绍人名单",)),
    Step("political_review", "candidate", "进行政治审查", "branch", ("政治审查报告",)),
    Step("candidate_training", "candidate", "开展集中培训", "higher_committee", ("培训结业证书",)),
    # 4. 预备党员的接收
    Step("branch_committee_review", "admission", "支部委员会审查", "branch_committee", ("审查意见",)),
    Step("prereview", "admission", "上级党委预审", "higher_committee", ("预审意见",)),
    Step("fill_form", "admission", "填写入党志愿书", "candidate", ("入党志愿书",)),
    Step("admission_meeting", "admission", "支部大会讨论", "branch_general_meeting",
         ("支部大会决议", "会议记录"), meeting=True),
    Step("committee_talk", "admission", "上级党委派人谈话", "higher_committee", ("谈话记录",),
         deadline=Offset("admission_meeting", months=3)),
    Step("admission_approval", "admission", "上级党委审批", "higher_committee", ("审批意见",),
         milestone="probationary", deadline=Offset("admission_meeting", months=3)),
    Step("file_admission", "admission", "再上一级党委组织部门备案", "higher_committee", ("备案报告",)),
    # 5. 预备党员的教育考察和转正
    Step("oath", "probation", "入党宣誓", "branch", ("宣誓记录",)),
    Step("probation_education", "probation", "继续教育考察", "branch", ("考察意见", "思想汇报")),
    Step("apply_conversion", "probation", "提出转正申请", "probationary", ("转正申请书",),
         earliest=Offset("admission_meeting", months=11), deadline=Offset("admission_meeting", months=12)),
    Step("conversion_committee_review", "probation", "支部委员会审查", "branch_committee", ("审查意见",),
         deadline=Offset("admission_meeting", months=12)),
    Step("conversion_meeting", "probation", "支部大会讨论", "branch_general_meeting",
         ("支部大会决议", "会议记录"), meeting=True,
         earliest=Offset("admission_meeting", months=12), deadline=Offset("admission_meeting", months=12, days=30)),
    Step("conversion_approval", "probation", "上级党委审批", "higher_committee", ("审批意见",),
         milestone="full", deadline=Offset("conversion_meeting", months=3)),
    Step("archive", "probation", "材料归档", "branch", ("入党志愿书", "转正申请书", "审批意见"),
         deadline=Offset("conversion_approval", months=1)),
)

BY_CODE: Mapping[str, Step] = {step.code: step for step in STEPS}
INDEX: Mapping[str, int] = {step.code: i for i, step in enumerate(STEPS)}
MILESTONE_OF: Mapping[str, str] = {step.milestone: step.code for step in STEPS if step.milestone}
STATUS_ORDER = ("non_party", "applicant", "activist", "candidate", "probationary", "full")


class StepRefused(ValueError):
    """A step that may not be recorded: `field` names the request's field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def status_after(done: Mapping[str, date | None], current: str = "non_party") -> str:
    """The political status the record confers: the furthest milestone on it."""
    furthest = current if current in STATUS_ORDER else "non_party"
    for code in done:
        conferred = BY_CODE[code].milestone
        if conferred and STATUS_ORDER.index(conferred) > STATUS_ORDER.index(furthest):
            furthest = conferred
    return furthest


def furthest_step(done: Mapping[str, date | None]) -> Step | None:
    return STEPS[max(INDEX[code] for code in done)] if done else None


def next_step(done: Mapping[str, date | None]) -> Step | None:
    """The step after the furthest one on record (steps skipped by a back-fill stay unrecorded)."""
    furthest = furthest_step(done)
    if furthest is None:
        return STEPS[0]
    position = INDEX[furthest.code] + 1
    return STEPS[position] if position < len(STEPS) else None


def _latest_date(done: Mapping[str, date | None]) -> date | None:
    dates = [on for on in done.values() if on is not None]
    return max(dates) if dates else None


def earliest_date(step: Step, done: Mapping[str, date | None]) -> date | None:
    """The first day the step may be dated: not before any step on record, nor before its own
    waiting period (when the step it counts from is on record with a date)."""
    candidates = [_latest_date(done)]
    if step.earliest and done.get(step.earliest.after):
        candidates.append(step.earliest.from_(done[step.earliest.after]))
    known = [on for on in candidates if on is not None]
    return max(known) if known else None


def due_date(step: Step, done: Mapping[str, date | None]) -> date | None:
    if step.deadline and done.get(step.deadline.after):
        return step.deadline.from_(done[step.deadline.after])
    return None


def check_next(code: str, on: date, today: date, done: Mapping[str, date | None]) -> Step:
    """The decision on recording step `code` on `on` in the running pipeline: it must be the next
    step, dated no earlier than its earliest date and not in the future."""
    step = BY_CODE.get(code)
    if step is None:
        raise StepRefused("step", f"no such step {code!r}")
    expected = next_step(done)
    if code in done:
        raise StepRefused("step", f"{code} is already on record")
    if expected is None:
        raise StepRefused("step", "the pipeline is complete")
    if code != expected.code:
        raise StepRefused("step", f"out of order: the next step is {expected.code}")
    if on > today:
        raise StepRefused("done_on", "must not be in the future")
    earliest = earliest_date(step, done)
    if earliest and on < earliest:
        raise StepRefused("done_on", f"must not precede {earliest.isoformat()} (the earliest date for {code})")
    return step


def check_votes(step: Step, votes: tuple[int, int, int] | None, field: str = "votes") -> None:
    """A meeting's step carries its vote, and passes only with more than half of the votes cast
    in favour; a step that is no meeting carries none."""
    if not step.meeting:
        if votes is not None:
            raise StepRefused(field, f"{step.code} is not a meeting: it carries no votes")
        return
    if votes is None:
        raise StepRefused(field, f"{step.code} is a meeting: record its votes")
    cast = sum(votes)
    if votes[0] * 2 <= cast:
        raise StepRefused(f"{field}.votes_for", f"{votes[0]} of {cast} votes is not a majority: the meeting "
                                                "did not pass it")


def check_backfill(entries: list[tuple[str, date | None]], today: date,
                   done: Mapping[str, date | None]) -> list[Step]:
    """Historical steps (补录): later in the pipeline than everything on record, in pipeline
    order, with dates that do not go backwards. Waiting periods are not checked: the history is
    what it was, and the record shows it."""
    if not entries:
        raise StepRefused("steps", "name at least one step")
    furthest = furthest_step(done)
    position = INDEX[furthest.code] if furthest else -1
    last = _latest_date(done)
    found = []
    for i, (code, on) in enumerate(entries):
        step = BY_CODE.get(code)
        if step is None:
            raise StepRefused(f"steps[{i}].step", f"no such step {code!r}")
        if INDEX[code] <= position:
            raise StepRefused(f"steps[{i}].step", f"out of order: {code} does not come after "
                                                  f"{STEPS[position].code}")
        if on is not None:
            if on > today:
                raise StepRefused(f"steps[{i}].done_on", "must not be in the future")
            if last and on < last:
                raise StepRefused(f"steps[{i}].done_on", f"must not precede {last.isoformat()}")
            last = on
        position = INDEX[code]
        found.append(step)
    return found


def milestones_up_to(status: str, known: Mapping[str, date | None]) -> list[tuple[str, date | None]]:
    """The milestone steps a person added with `status` has behind them, dated where the roster
    knows the date (`known`: status -> date): the back-fill of a roster row."""
    if status not in STATUS_ORDER or status == "non_party":
        return []
    reached = STATUS_ORDER[1:STATUS_ORDER.index(status) + 1]
    return [(MILESTONE_OF[each], known.get(each)) for each in reached]


@dataclass(frozen=True)
class Progress:
    next_code: str | None
    due_on: date | None
    overdue_days: int


def progress(done: Mapping[str, date | None], today: date) -> Progress:
    step = next_step(done)
    if step is None:
        return Progress(None, None, 0)
    due = due_date(step, done)
    return Progress(step.code, due, max(0, (today - due).days) if due else 0)


def reminder_level(due: date | None, remind_days: int, today: date) -> str | None:
    """"upcoming" from `remind_days` before the deadline, "overdue" after it, else None."""
    if due is None:
        return None
    if today > due:
        return "overdue"
    if today >= due - timedelta(days=remind_days):
        return "upcoming"
    return None
