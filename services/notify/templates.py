"""Notice templates: Chinese first, English as the fallback. Pure functions of their fields."""
from __future__ import annotations

from dataclasses import dataclass, replace
from string import Formatter

from services.common.contracts import Duty

# The names of the four duties (四个一), as notices show them.
KIND_NAMES_ZH = {
    Duty.OPINION_LISTENING: "听取党外群众意见",
    Duty.ACTIVIST_FOLLOWUP: "掌握入党积极分子学习状态",
    Duty.THEORY_READING: "阅读党的理论书籍",
    Duty.VOLUNTEER_SERVICE: "志愿服务",
}
KIND_NAMES_EN = {
    Duty.OPINION_LISTENING: "listening to non-Party colleagues",
    Duty.ACTIVIST_FOLLOWUP: "following up activists",
    Duty.THEORY_READING: "reading Party theory",
    Duty.VOLUNTEER_SERVICE: "volunteer service",
}

# Every other kind a points notice may name (the activities catalogue's titles), and what the
# month close deducts for, so a notice never shows a bare key.
POINTS_KIND_NAMES_ZH = {
    **KIND_NAMES_ZH,
    "activity_day_attendance": "党员活动日出席", "activity_day_leave": "党员活动日请假", "org_life": "三会一课",
    "pairing_contact": "手拉手、一帮一联系", "service_project": "三服务", "integration_event": "三融教育",
    "achievement": "工作业绩", "meeting_absence": "会议缺席",
    "four_duties": "“四个一”未完成", "activity_day": "党员活动日无故缺席",
}
POINTS_KIND_NAMES_EN = {
    **KIND_NAMES_EN,
    "activity_day_attendance": "activity day attendance", "activity_day_leave": "activity day leave",
    "org_life": "branch meetings and Party lectures", "pairing_contact": "pairing contact",
    "service_project": "service project", "integration_event": "integration event", "achievement": "achievement",
    "meeting_absence": "absent from a meeting",
    "four_duties": "four duties missing at month close", "activity_day": "activity day missed without leave",
}

NEED_STATUS_NAMES_ZH = {"open": "待指派", "assigned": "办理中", "resolved": "待确认", "confirmed": "已办结"}


@dataclass(frozen=True)
class Template:
    key: str
    title: dict[str, str]
    body: dict[str, str]

    def fields(self) -> set[str]:
        names = set()
        for text in (*self.title.values(), *self.body.values()):
            names |= {name for _, name, _, _ in Formatter().parse(text) if name}
        return names

    def render(self, language: str = "zh", **values) -> tuple[str, str]:
        lang = language if language in self.title else "en"
        missing = self.fields() - set(values)
        if missing:
            raise KeyError(f"template {self.key} needs {', '.join(sorted(missing))}")
        return self.title[lang].format(**values), self.body[lang].format(**values)


TEMPLATES = {
    t.key: t for t in (
        Template(
            key="points_awarded",
            title={"zh": "积分变动：{delta_signed} 分", "en": "Points: {delta_signed}"},
            body={
                "zh": "您的“{kind_name}”已记录，积分 {delta_signed}。{period} 月累计 {period_total} 分。",
                "en": "Your '{kind}' was recorded: {delta_signed} points. Total for {period}: {period_total}.",
            },
        ),
        Template(
            # A deduction (month close) or a reversal: the same facts, read as a loss, not a gain.
            key="points_deducted",
            title={"zh": "积分扣减：{delta_signed} 分", "en": "Points deducted: {delta_signed}"},
            body={
                "zh": "{period} 月积分扣减：{kind_name}，{delta_signed} 分；当月累计 {period_total} 分。如有疑问，请联系支部。",
                "en": "{period}: {delta_signed} points for {kind}. Total for {period}: {period_total}. Ask the branch if this looks wrong.",
            },
        ),
        Template(
            key="activity_day_tomorrow",
            title={"zh": "明日党员活动日（{date}）", "en": "Party activity day tomorrow ({date})"},
            body={
                "zh": "支部党员活动日定于明天（{date}）举行，请安排好时间准时参加；如需请假，请提前向支部报告。",
                "en": "The branch's Party activity day is tomorrow ({date}). Please attend; if you cannot, ask the branch for leave in advance.",
            },
        ),
        Template(
            key="duties_missing",
            title={"zh": "{period} 月“四个一”尚缺 {missing_count} 项", "en": "{period}: {missing_count} duties still missing"},
            body={
                "zh": "本月还剩 {days_left} 天，您尚未完成：{missing_names}。请在月底前完成并登记。",
                "en": "{days_left} days left this month; still to do: {missing}. Please complete and log them before month end.",
            },
        ),
        Template(
            key="pairing_contact_overdue",
            title={"zh": "结对联系已逾期：{partner_name}", "en": "Pairing contact overdue: {partner_name}"},
            body={
                "zh": "您与{partner_name}的结对联系应于 {due_on} 前完成，已逾期 {days_overdue} 天，请尽快联系并登记。",
                "en": "Your contact with {partner_name} was due by {due_on} and is {days_overdue} days overdue. Please get in touch and log it.",
            },
        ),
        Template(
            key="pairing_contact_escalated",
            title={"zh": "结对联系逾期提醒（支部）：{mentor_name}", "en": "Pairing contact overdue (branch): {mentor_name}"},
            body={
                "zh": "{mentor_name}与{partner_name}的结对联系应于 {due_on} 前完成，已逾期 {days_overdue} 天，请督促落实。",
                "en": "{mentor_name}'s contact with {partner_name} was due by {due_on} and is {days_overdue} days overdue. Please follow up.",
            },
        ),
        Template(
            key="need_overdue",
            title={"zh": "诉求办理逾期：{need_title}", "en": "Need overdue: {need_title}"},
            body={
                "zh": "{raised_by_name}于 {raised_on} 提出的诉求“{need_title}”当前状态为{status_name}，已超过期限 {days_overdue} 天，请尽快办理。",
                "en": "The need '{need_title}' raised by {raised_by_name} on {raised_on} is {status} and {days_overdue} days past its deadline. Please act on it.",
            },
        ),
        Template(
            key="need_assigned",
            title={"zh": "诉求待您办理：{need_title}", "en": "A need for you to handle: {need_title}"},
            body={
                "zh": "{raised_by_name}于 {raised_on} 提出的诉求“{need_title}”已交由您办理，请及时处理并登记办理结果。",
                "en": "The need '{need_title}' raised by {raised_by_name} on {raised_on} was assigned to you. Please act on it and record the outcome.",
            },
        ),
        Template(
            key="need_resolved",
            title={"zh": "诉求已办理，请确认：{need_title}", "en": "Need resolved, please confirm: {need_title}"},
            body={
                "zh": "您于 {raised_on} 提出的诉求“{need_title}”已办理完毕。请确认是否解决；如未解决，可重新打开。",
                "en": "The need '{need_title}' you raised on {raised_on} has been resolved. Please confirm it, or reopen it if it is not.",
            },
        ),
        Template(
            key="development_step_due",
            title={"zh": "发展党员步骤将到期：{member_name}", "en": "Development step due soon: {member_name}"},
            body={
                "zh": "{member_name}的“{step_name}”应于 {due_on} 前完成，请及时办理并登记。",
                "en": "{member_name}'s step '{step_name}' is due by {due_on}. Please carry it out and record it.",
            },
        ),
        Template(
            key="development_step_overdue",
            title={"zh": "发展党员步骤已逾期：{member_name}", "en": "Development step overdue: {member_name}"},
            body={
                "zh": "{member_name}的“{step_name}”应于 {due_on} 前完成，现已逾期，请尽快办理并登记。",
                "en": "{member_name}'s step '{step_name}' was due by {due_on} and is overdue. Please carry it out and record it.",
            },
        ),
        Template(
            key="inter_tenant_transfer_concluded",
            title={"zh": "组织关系转接结果：{member_name}", "en": "Transfer between colleges: {member_name}"},
            body={
                "zh": "{member_name}的组织关系转接（介绍信 {letter_no}）{outcome_name}。",
                "en": "The transfer of {member_name} (letter {letter_no}) was {outcome}.",
            },
        ),
        Template(
            key="points_statement",
            title={"zh": "{period} 月积分结算", "en": "Points statement for {period}"},
            body={
                "zh": "支部 {period} 月积分已结算：党员 {members} 人，扣分合计 {deductions} 分，未完成“四个一”{missing_duties} 项，无故缺席 {unexcused_absences} 次。",
                "en": "The branch closed {period}: {members} members, {deductions} points deducted, {missing_duties} duties missing, {unexcused_absences} unexcused absences.",
            },
        ),
        Template(
            key="notice_published",
            title={"zh": "通知：{title}", "en": "Notice: {title}"},
            body={
                "zh": "{body}\n（请阅读后点击“签收”。）",
                "en": "{body}\n(Please acknowledge it once read.)",
            },
        ),
        Template(
            # The same notice in the unit's group chats; receipts are taken in person only.
            key="notice_published_branch",
            title={"zh": "通知：{title}", "en": "Notice: {title}"},
            body={"zh": "{body}\n（请各位党员登录系统签收。）", "en": "{body}\n(Each member please acknowledge it in the system.)"},
        ),
        Template(
            key="notice_reminder",
            title={"zh": "请签收通知：{title}", "en": "Please acknowledge: {title}"},
            body={
                "zh": "{sent_on} 发布的通知“{title}”您尚未签收，请尽快阅读并签收。",
                "en": "You have not acknowledged the notice '{title}' of {sent_on} yet. Please read and acknowledge it.",
            },
        ),
    )
}
# The month's statement also goes to each branch secretary's inbox, in the same words.
TEMPLATES["points_statement_secretary"] = replace(TEMPLATES["points_statement"], key="points_statement_secretary")

# What each notice addresses: one person, or a whole branch (its robots' group chats). The
# escalations go to the branch secretaries in person; to the branch's robots only when the branch
# has no secretary on record.
PERSON_NOTICES = frozenset({"points_awarded", "points_deducted", "duties_missing", "pairing_contact_overdue",
                            "pairing_contact_escalated", "need_overdue", "need_assigned", "need_resolved",
                            "notice_published", "notice_reminder", "points_statement_secretary",
                            "development_step_due", "development_step_overdue", "inter_tenant_transfer_concluded"})
BRANCH_NOTICES = frozenset({"activity_day_tomorrow", "points_statement", "notice_published_branch"})
# A person's channel choice for a notice also covers its close relatives unless set for them.
PREFERENCE_FALLBACK = {"points_deducted": "points_awarded"}


def render(key: str, language: str = "zh", **values) -> tuple[str, str]:
    return TEMPLATES[key].render(language, **values)
