"""The audit record of a write, from the context the gateway bound and the entrypoint's call."""
import uuid
from datetime import date, datetime, timezone

from services.common.audit import answer_targets, audit_event, summary
from services.common.tenancy import (
    CALLER_KEY, CORRELATION_KEY, CREDENTIAL_KEY, ROLES_KEY, ROUTE_KEY, TARGETS_KEY, TENANT_KEY,
)
from services.members.audit_log import moments, target_ids

TENANT, PERSON, MEMBER, UNIT = (str(uuid.uuid4()) for _ in range(4))


def test_the_summary_names_the_payloads_fields_never_their_values():
    said = summary("transfer_member", (MEMBER, {"to_org_unit_id": UNIT, "note": "secret", "effective_on": "x"}), {})
    assert said == f"transfer_member({MEMBER}, {{effective_on, note, to_org_unit_id}})"
    assert "secret" not in said
    assert summary("log_bulk", ([1, 2, 3],), {"fmt": "x" * 500}).startswith("log_bulk([3 items], fmt=xxx")
    assert len(summary("m", ("y" * 5000,), {})) < 200


def test_a_record_carries_who_what_when_and_the_correlation_id():
    context = {TENANT_KEY: TENANT, CALLER_KEY: PERSON, ROLES_KEY: ["secretary", "member"], CORRELATION_KEY: "req-1",
               ROUTE_KEY: "POST /v1/members/<member_id>/transfer", CREDENTIAL_KEY: "token:abcd",
               TARGETS_KEY: [f"member_id={MEMBER}", f"to_org_unit_id={UNIT}"]}
    event = audit_event(context, "members", "transfer_member", (MEMBER, {"to_org_unit_id": UNIT}), {}, {"id": MEMBER})
    assert (event.source, event.event_type, str(event.tenant_id)) == ("members", "audit_recorded", TENANT)
    assert (event.person_id, event.roles, event.credential) == (PERSON, ["member", "secretary"], "token:abcd")
    assert (event.route, event.entrypoint, event.correlation_id) == (
        "POST /v1/members/<member_id>/transfer", "members.transfer_member", "req-1")
    assert event.targets == [f"member_id={MEMBER}", f"to_org_unit_id={UNIT}", f"answer={MEMBER}"]


def test_no_record_without_a_college_or_for_an_unknown_publisher():
    assert audit_event({}, "members", "create_tenant", ({},), {}, {"id": TENANT}) is None
    assert audit_event({TENANT_KEY: TENANT}, "elsewhere", "m", (), {}, None) is None


def test_what_an_answer_created_is_a_target_for_one_object_or_a_list():
    assert answer_targets({"id": "a", "x": 1}) == ["answer=a"]
    assert answer_targets([{"id": "a"}, {"id": "b"}, {"no": "id"}]) == ["answer=a", "answer=b"]
    assert answer_targets(None) == [] and answer_targets("text") == []


def test_target_ids_are_the_ids_once_each_in_order():
    assert target_ids([f"member_id={MEMBER}", f"answer={MEMBER}", f"org_unit_id={UNIT}", "kind=wecom"]) == [
        uuid.UUID(MEMBER), uuid.UUID(UNIT)]


def test_a_period_is_the_colleges_own_days_both_included():
    start, end = moments("Asia/Shanghai", date(2026, 11, 1), date(2026, 11, 30))
    assert start.astimezone(timezone.utc) == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)
    assert end.astimezone(timezone.utc) == datetime(2026, 11, 30, 16, tzinfo=timezone.utc)
    assert moments("Asia/Shanghai", None, None) == (None, None)
