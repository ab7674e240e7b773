"""Notices caused by members' pairing events and by month-close deductions, published as the
relays publish them: each reads well, and the same cause never yields a second notice."""
import uuid

from services.common.contracts.pairing import PairingContactOverdue
from services.common.contracts.points import PointsAwarded
from tests.integration.helpers import publish_raw
from tests.support.infra import wait_until


def _inbox(admin, person_id, template):
    items = admin.ok("GET", f"/v1/members/{person_id}/inbox", params={"limit": 200})["items"]
    return [i for i in items if i["template"] == template]


def _deduction(college, member, kind, delta, reason, period_total=58):
    return PointsAwarded(tenant_id=college.tenant["id"], entry_id=uuid.uuid4(), member_id=member["id"],
                         org_unit_id=college.branch["id"], kind=kind, delta=delta, period="2026-10",
                         period_total=period_total, reason=reason)


def test_month_close_deductions_read_as_deductions(api, amqp_uri):
    college = api.new_tenant()
    member = college.add_member("李明")
    english = college.add_member("Anna")
    college.member_api(english["id"]).ok("PUT", f"/v1/members/{english['id']}/notification-preferences",
                                         json={"language": "en"})
    duties = _deduction(college, member, "four_duties", -4,
                        "month close: 2 duties missing (theory_reading, volunteer_service)")
    absence = _deduction(college, member, "activity_day", -3, "month close: activity day missed without leave")
    for event in (duties, absence, duties):  # the duties event delivered twice
        publish_raw(amqp_uri, "points", "points_awarded", event.to_message())
    publish_raw(amqp_uri, "points", "points_awarded",
                _deduction(college, english, "four_duties", -2, "month close: 1 duties missing (theory_reading)")
                .to_message())

    notices = wait_until(lambda: len(n := _inbox(college.admin, member["id"], "points_deducted")) == 2 and n,
                         message="two deduction notices")
    by_title = {n["title"]: n["body"] for n in notices}
    assert "积分扣减：-4 分" in by_title and "积分扣减：-3 分" in by_title
    assert "“四个一”未完成（阅读党的理论书籍、志愿服务），-4 分；当月累计 58 分" in by_title["积分扣减：-4 分"]
    assert "党员活动日无故缺席" in by_title["积分扣减：-3 分"]
    [english_notice] = wait_until(lambda: _inbox(college.admin, english["id"], "points_deducted"),
                                  message="the English deduction notice")
    assert english_notice["title"] == "Points deducted: -2"
    assert "four duties missing at month close (reading Party theory)" in english_notice["body"]
    assert _inbox(college.admin, member["id"], "points_awarded") == []


def test_one_reminder_per_pairing_and_due_date_even_if_announced_twice(api, amqp_uri):
    college = api.new_tenant()
    mentor = college.add_member("李明")
    facts = dict(tenant_id=college.tenant["id"], pairing_id=uuid.uuid4(), mentor_id=mentor["id"], mentor_name="李明",
                 org_unit_id=college.branch["id"], target_kind="class", target_label="数学 2301 班",
                 due_on="2026-10-01", on="2026-10-02", days_overdue=1, level="mentor")
    # Two events (two event ids) about the same lapse, as two racing scans could never produce but
    # a restored backup might: the cause is the pairing and due date, so one notice.
    for _ in range(2):
        publish_raw(amqp_uri, "members", "pairing_contact_overdue", PairingContactOverdue(**facts).to_message())
    later = PairingContactOverdue(**{**facts, "due_on": "2026-11-01", "on": "2026-11-03", "days_overdue": 2})
    publish_raw(amqp_uri, "members", "pairing_contact_overdue", later.to_message())
    notices = wait_until(lambda: len(n := _inbox(college.admin, mentor["id"], "pairing_contact_overdue")) >= 2 and n,
                         message="the reminders")
    assert sorted(n["title"] for n in notices) == ["结对联系已逾期：数学 2301 班"] * 2
    assert sorted("2026-10-01" in n["body"] for n in notices) == [False, True]
