"""activity_logged is routed by kind: each consumer queue gets the kinds its handler asked for.

Through the real broker, in a vhost of its own (so no running service drains the queues): the
relay's publisher sends events with the routing keys it computes, and the queues every service
declares at start are read for what reached them.
"""
import uuid
from types import SimpleNamespace

import pytest
import requests
from kombu import Connection

from services.common import topology
from services.common.contracts.activities import ActivityLogged
from services.common.outbox import ConfirmingPublisher
from services.subscriptions import SUBSCRIPTIONS
from tests.integration.helpers import activity_logged
from tests.support.infra import RABBIT_API, RABBIT_AUTH, BrokerAdmin, wait_until

QUEUES = {service: topology.consumer_queue_name("activities", "activity_logged", service, method)
          for service, method in (("points", "on_activity_logged"), ("notify", "on_activity_logged"),
                                  ("members", "on_pairing_contact_logged"))}


@pytest.fixture
def own_vhost():
    vhost = f"br-routing-{uuid.uuid4().hex[:10]}"
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
    requests.put(f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    yield vhost
    requests.delete(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=30)


def test_each_activity_reaches_points_and_only_the_consumers_of_its_kind(own_vhost):
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{own_vhost}"
    with Connection(amqp_uri) as conn:
        topology.declare(conn, topology.all_consumer_queues(SUBSCRIPTIONS, {}, 20, (1000,)))
    kinds = ["org_life", "theory_reading", "pairing_contact", "volunteer_service", "org_life"]
    rows = [SimpleNamespace(id=i, event_id=event.event_id, source=event.source, event_type=event.event_type,
                            tenant_id=event.tenant_id, payload=event.to_message(), headers={})
            for i, event in enumerate(activity_logged(kind=kind) for kind in kinds)]
    assert ActivityLogged.routing_key(rows[0].payload) == "activity_logged.org_life"
    publisher = ConfirmingPublisher(amqp_uri, topology.subscribed_event_types(SUBSCRIPTIONS))
    try:
        confirmed, unroutable = publisher.publish_batch(rows, {})
    finally:
        publisher.close()
    assert (confirmed, unroutable) == ({0, 1, 2, 3, 4}, set())
    admin = BrokerAdmin(own_vhost)
    expected = {"points": 5, "notify": 2, "members": 1}  # every kind; the four duties; pairing contacts
    wait_until(lambda: {s: admin.queue_depth(q) for s, q in QUEUES.items()} == expected,
               message=f"queue depths {expected}")
