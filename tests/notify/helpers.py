from tests.support.infra import wait_until

# The pace the notify container is started with in these tests (conftest.notify_env).
ROBOT_LIMIT = 3
ROBOT_WINDOW_SECONDS = 1.0

ACTIVITY_DAY = {"date": "2026-11-26"}
OVERDUE = {"partner_name": "赵老师", "due_on": "2026-11-20", "days_overdue": 4}


def deliveries(admin, **params) -> list:
    return admin.ok("GET", "/v1/notification-deliveries", params={"limit": 200, **params})["items"]


def settled(admin, cause: str, count: int) -> list:
    """The deliveries of `cause` once `count` of them are no longer pending."""
    def done():
        rows = [d for d in deliveries(admin) if d["cause"] == cause]
        return rows if len(rows) == count and all(d["status"] != "pending" for d in rows) else None
    return wait_until(done, timeout=30, message=f"{count} settled deliveries for {cause}")


def branch_notice(admin, branch_id: str, cause: str, notice="activity_day_tomorrow", fields=ACTIVITY_DAY) -> dict:
    return admin.ok("POST", "/v1/notices", 201, json={
        "notice": notice, "cause": cause, "org_unit_id": branch_id, "fields": fields})
