"""A write RPC that RabbitMQ delivers twice is carried out once.

nameko acks an RPC request after replying; if the service's connection drops in between, the
broker delivers the same request again. The copy carries the same gateway request id, which is
what this test sends twice, as the broker would.
"""
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.common.errors import InvalidInput


def _rpc(amqp_uri, college, request_id):
    context = {"tenant_id": college.tenant["id"], "roles": ["tenant_admin"], "request_id": request_id}
    return ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context, timeout=30)


def test_redelivered_log_request_is_answered_from_the_first_without_a_second_activity(api, amqp_uri, db_engine):
    college = api.new_tenant()
    member = college.add_member()
    body = {"member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-11-05",
            "details": {"title": "党章"}}
    request_id = uuid.uuid4().hex
    with _rpc(amqp_uri, college, request_id) as rpc:
        first = rpc.activities.log_activity(body)
        again = rpc.activities.log_activity(body)
    assert again == first
    with _rpc(amqp_uri, college, uuid.uuid4().hex) as rpc:  # a new request is a new activity
        other = rpc.activities.log_activity(body)
    assert other["id"] != first["id"]
    with db_engine.connect() as conn:
        logged = conn.execute(text("SELECT count(*) FROM activities.activities WHERE member_id = :m"),
                              {"m": member["id"]}).scalar()
    assert logged == 2


def test_a_refused_request_can_be_sent_again_with_the_same_id(api, amqp_uri):
    college = api.new_tenant()
    member = college.add_member()
    request_id = uuid.uuid4().hex
    bad = {"member_id": member["id"], "kind": "theory_reading", "occurred_on": "2999-01-01",
           "details": {"title": "党章"}}
    with _rpc(amqp_uri, college, request_id) as rpc:
        with pytest.raises(InvalidInput, match="occurred_on"):
            rpc.activities.log_activity(bad)
        good = dict(bad, occurred_on="2026-11-05")
        assert rpc.activities.log_activity(good)["occurred_on"] == "2026-11-05"
