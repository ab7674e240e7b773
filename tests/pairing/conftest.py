"""Pairing tests run every service in this process; the overdue scan is driven by date through
POST /v1/pairing-scans, except where the timer itself is under test."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.support.infra import Api, free_port, wait_until

PERSON_DEFAULTS = {"category": "staff", "political_status": "full"}


def shanghai_today():
    """The tenants' day (they are created with Asia/Shanghai), as members computes it."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()


def inbox(api: Api, person_id: str, template: str | None = None) -> list[dict]:
    items = api.ok("GET", f"/v1/members/{person_id}/inbox", params={"limit": 200})["items"]
    return [i for i in items if template is None or i["template"] == template]


def wait_inbox(api: Api, person_id: str, template: str, count: int) -> list[dict]:
    return wait_until(lambda: (found := inbox(api, person_id, template)) and len(found) >= count and found,
                      timeout=20, message=f"{count} {template} notices for {person_id}")


class Branch:
    """A college with a secretary, a mentor and the three kinds of pairing partner."""

    def __init__(self, api: Api):
        self.college = api.new_tenant()
        self.admin = self.college.admin
        self.branch_id = self.college.branch["id"]
        self.secretary = self.college.add_member("王芳")
        self.admin.ok("POST", f"/v1/members/{self.secretary['id']}/roles", 201, json={
            "role": "secretary", "org_unit_id": self.branch_id, "started_on": "2026-01-01"})
        self.mentor = self.college.add_member("李明")
        self.teacher = self.college.add_member("赵老师", political_status="non_party")
        self.student = self.college.add_member("陈静", category="student", political_status="full")
        self.mentor_api = self.college.member_api(self.mentor["id"])
        self.secretary_api = self.college.member_api(self.secretary["id"])

    def pair(self, kind: str, started_on: str, **target) -> dict:
        if not target:
            target = ({"target_class": "数学 2301 班"} if kind == "class" else
                      {"target_person_id": (self.teacher if kind == "staff_non_party" else self.student)["id"]})
        return self.admin.ok("POST", "/v1/pairings", 201, json={
            "mentor_id": self.mentor["id"], "target_kind": kind, "started_on": started_on, **target})

    def scan(self, on: str) -> dict:
        return self.admin.ok("POST", "/v1/pairing-scans", json={"on": on})

    def pairings(self, include_ended: bool = False) -> dict:
        rows = self.mentor_api.ok("GET", f"/v1/members/{self.mentor['id']}/pairings",
                                  params={"include_ended": "true" if include_ended else "false"})
        return rows if include_ended else {r["target_kind"]: r for r in rows}


@pytest.fixture
def branch(api):
    return Branch(api)


@pytest.fixture
def fast_scan_api(start_service):
    """Every service, with members' overdue timer ticking every 0.2 s (read when members starts)."""
    start_service("members", PAIRING_SCAN_INTERVAL_SECONDS="0.2")
    for name in ("activities", "points", "notify"):
        start_service(name)
    port = free_port()
    start_service("gateway", HTTP_PORT=port)
    return Api(f"http://127.0.0.1:{port}")
