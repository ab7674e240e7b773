"""Notices reach real servers on loopback: SMTP mail, WeCom and DingTalk robots."""
from prometheus_client import REGISTRY
from sqlalchemy import text

from tests.notify.helpers import ROBOT_LIMIT, ROBOT_WINDOW_SECONDS, OVERDUE, branch_notice, deliveries, settled
from tests.notify.servers import Robot
from tests.support.infra import free_port, wait_until


def _count(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("notifications_total", {"channel": channel, "outcome": outcome}) or 0.0


def test_points_awarded_reaches_inbox_and_email(api, smtp_server):
    college = api.new_tenant()
    member = college.add_member("王芳")
    me = college.member_api(member["id"])
    me.ok("PUT", f"/v1/members/{member['id']}/notification-preferences",
          json={"email": "wangfang@college.example.edu", "notices": {"points_awarded": ["email"]}})

    me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-11-05",
        "details": {"title": "党章"}})

    mail = wait_until(lambda: smtp_server.received_by("wangfang@college.example.edu"), message="the mail")
    assert len(mail) == 1
    assert mail[0]["Subject"] == "积分变动：+2 分"
    assert "阅读党的理论书籍" in mail[0].get_content()
    assert mail[0]["From"] == "branch-rhythm@college.example.edu"
    rows = deliveries(college.admin, person_id=member["id"])
    assert sorted((d["channel"], d["status"]) for d in rows) == [("email", "sent"), ("inbox", "sent")]
    assert me.ok("GET", f"/v1/members/{member['id']}/inbox")["items"][0]["title"] == "积分变动：+2 分"


def test_english_speaker_gets_the_english_template(api, smtp_server):
    college = api.new_tenant()
    member = college.add_member("Li Wei")
    me = college.member_api(member["id"])
    me.ok("PUT", f"/v1/members/{member['id']}/notification-preferences",
          json={"email": "liwei@college.example.edu", "language": "en"})
    college.admin.ok("POST", "/v1/notices", 201, json={
        "notice": "pairing_contact_overdue", "cause": "pairing-1-2026-11", "person_id": member["id"], "fields": OVERDUE})
    mail = wait_until(lambda: smtp_server.received_by("liwei@college.example.edu"), message="the mail")
    assert mail[0]["Subject"] == "Pairing contact overdue: 赵老师"


def test_bad_address_fails_permanently_and_a_busy_relay_is_retried(api, smtp_server):
    college = api.new_tenant()
    bouncing, busy = college.add_member("陈静"), college.add_member("刘洋")
    college.member_api(bouncing["id"]).ok("PUT", f"/v1/members/{bouncing['id']}/notification-preferences",
                                          json={"email": "bounce-chen@college.example.edu"})
    college.member_api(busy["id"]).ok("PUT", f"/v1/members/{busy['id']}/notification-preferences",
                                      json={"email": "liuyang@college.example.edu"})
    college.admin.ok("POST", "/v1/notices", 201, json={
        "notice": "pairing_contact_overdue", "cause": "bounce", "person_id": bouncing["id"], "fields": OVERDUE})
    failed = [d for d in settled(college.admin, "manual:pairing_contact_overdue:bounce", 2) if d["channel"] == "email"]
    assert failed[0]["status"] == "failed" and failed[0]["attempts"] == 1
    assert "550" in failed[0]["last_error"]

    smtp_server.refuse_transiently = True
    college.admin.ok("POST", "/v1/notices", 201, json={
        "notice": "pairing_contact_overdue", "cause": "busy", "person_id": busy["id"], "fields": OVERDUE})
    wait_until(lambda: any(d["channel"] == "email" and d["attempts"] >= 2 and d["status"] == "pending"
                           for d in deliveries(college.admin, person_id=busy["id"])), message="a retried email")
    smtp_server.refuse_transiently = False
    email = [d for d in settled(college.admin, "manual:pairing_contact_overdue:busy", 2) if d["channel"] == "email"][0]
    assert email["status"] == "sent" and email["attempts"] >= 3
    assert len(smtp_server.received_by("liuyang@college.example.edu")) == 1


def test_branch_notice_goes_to_both_robots_signed_and_only_once(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    wecom, dingtalk = Robot("wecom"), Robot("dingtalk", secret="SEC0123456789abcdef")
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom",
                     json={"webhook_url": robot_server.add("wecom-ok", wecom)})
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/dingtalk",
                     json={"webhook_url": robot_server.add("ding-ok", dingtalk), "secret": dingtalk.secret})

    first = branch_notice(college.admin, branch, "party-day-2026-11")
    again = branch_notice(college.admin, branch, "party-day-2026-11")
    assert [d["id"] for d in again["deliveries"]] == [d["id"] for d in first["deliveries"]]
    rows = settled(college.admin, "manual:activity_day_tomorrow:party-day-2026-11", 2)
    assert {(d["channel"], d["status"]) for d in rows} == {("wecom", "sent"), ("dingtalk", "sent")}
    # A later notice is the barrier: once it has arrived, a duplicate of the first would have too.
    branch_notice(college.admin, branch, "party-day-2026-12")
    settled(college.admin, "manual:activity_day_tomorrow:party-day-2026-12", 2)
    assert len(wecom.accepted) == len(dingtalk.accepted) == 2
    assert wecom.accepted[0]["payload"]["text"]["content"].startswith("明日党员活动日（2026-11-26）")
    assert "sign" in dingtalk.accepted[0]["query"] and "sign" not in wecom.accepted[0]["query"]


def test_wrong_dingtalk_secret_is_a_permanent_failure(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    robot = Robot("dingtalk", secret="SECtheRealSecret00")
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/dingtalk",
                     json={"webhook_url": robot_server.add("ding-wrong", robot), "secret": "SECaDifferentOne"})
    branch_notice(college.admin, branch, "signed-wrong")
    [row] = settled(college.admin, "manual:activity_day_tomorrow:signed-wrong", 1)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "310000" in row["last_error"]


def test_robot_that_is_down_or_unreachable_is_retried_then_failed_with_reason(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom",
                     json={"webhook_url": robot_server.add("wecom-down", Robot("wecom", down=True))})
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/dingtalk", json={
        "webhook_url": f"http://127.0.0.1:{free_port()}/robot/send?access_token=x", "secret": "SEC0123456789"})
    failed_before = _count("wecom", "failed")
    branch_notice(college.admin, branch, "down")
    rows = {d["channel"]: d for d in settled(college.admin, "manual:activity_day_tomorrow:down", 2)}
    assert rows["wecom"]["status"] == rows["dingtalk"]["status"] == "failed"
    assert rows["wecom"]["attempts"] == rows["dingtalk"]["attempts"] == 4  # NOTIFY_MAX_ATTEMPTS
    assert "HTTP 503" in rows["wecom"]["last_error"] and "gave up after 4 attempts" in rows["wecom"]["last_error"]
    assert "unreachable" in rows["dingtalk"]["last_error"]
    assert _count("wecom", "failed") == failed_before + 1
    assert deliveries(college.admin, status="failed", channel="wecom")[0]["id"] == rows["wecom"]["id"]


def test_rate_limited_robot_queues_every_notice_and_delivers_them_all(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    robot = Robot("dingtalk", secret="SEC0123456789abcdef", rate_limit_first=1, http_429_first=1)
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/dingtalk",
                     json={"webhook_url": robot_server.add("ding-busy", robot), "secret": robot.secret})
    queued_before = _count("dingtalk", "queued")
    total = 2 * ROBOT_LIMIT + 1
    for n in range(total):
        branch_notice(college.admin, branch, f"burst-{n}")

    wait_until(lambda: len(robot.accepted) == total, timeout=60, message="every notice delivered")
    rows = [d for d in deliveries(college.admin, channel="dingtalk") if d["cause"].startswith("manual:activity_day_tomorrow:burst-")]
    assert len(rows) == total and all(d["status"] == "sent" for d in rows)
    assert sum(d["attempts"] for d in rows) == total + 2  # the 429 and the 130101 were retried
    assert _count("dingtalk", "queued") > queued_before
    # Never more than the limit inside one window (a little slack for the request's own travel).
    times = [r["at"] for r in robot.requests]
    for i, start in enumerate(times):
        assert len([t for t in times[i:] if t - start < ROBOT_WINDOW_SECONDS * 0.8]) <= ROBOT_LIMIT


def test_two_replicas_share_the_queue_and_send_each_mail_once(api, services, start_service, smtp_server):
    start_service("notify")  # a second replica of notify, its own delivery worker and reminder scan
    college = api.new_tenant()
    people = [college.add_member(f"成员{n}") for n in range(8)]
    for n, person in enumerate(people):
        college.member_api(person["id"]).ok("PUT", f"/v1/members/{person['id']}/notification-preferences",
                                            json={"email": f"member{n}@replicas.example.edu"})
        college.admin.ok("POST", "/v1/notices", 201, json={
            "notice": "pairing_contact_overdue", "cause": f"replica-{n}", "person_id": person["id"], "fields": OVERDUE})
    wait_until(lambda: all(d["status"] == "sent" for d in deliveries(college.admin, channel="email"))
               and len(deliveries(college.admin, channel="email")) == len(people), timeout=30, message="every mail sent")
    for n in range(len(people)):
        assert len(smtp_server.received_by(f"member{n}@replicas.example.edu")) == 1
    assert all(d["attempts"] == 1 for d in deliveries(college.admin, channel="email"))


def test_a_stop_lets_the_send_under_way_finish_and_be_recorded(api, services, robot_server, db_engine):
    """Killed between the robot's answer and the commit, the delivery would stay pending and go out
    again after the restart. A stop waits for the send in flight (within the channel's timeout)."""
    college = api.new_tenant()
    branch = college.branch["id"]
    slow = Robot("wecom", delay_seconds=1.5)
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom",
                     json={"webhook_url": robot_server.add("slow", slow)})
    college.admin.ok("POST", "/v1/notices", 201, json={"notice": "activity_day_tomorrow", "cause": "slow-day",
                                                       "org_unit_id": branch, "fields": {"date": "2026-10-22"}})
    wait_until(lambda: slow.requests, message="the post in flight")

    services["notify"].stop()

    assert len(slow.accepted) == 1
    with db_engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM notify.deliveries WHERE channel = 'wecom' AND cause = "
                                   "'manual:activity_day_tomorrow:slow-day'")).scalar_one()
    assert status == "sent"
