"""RPC on both sides: entrypoints that expect domain errors, and a client that gives up.

`rpc` is nameko's entrypoint with `expected_exceptions=DomainError`: a NotFound or an
InvalidInput is an answer, not a fault, so nameko logs it as a warning and the error still
crosses to the caller as the same class. It also carries each write request out once
(services.common.idempotency).

`RpcClient` is nameko's RpcProxy with a deadline. nameko 2.14's proxy waits for a reply for
ever; if the target service is down, a gateway request would hang until the HTTP client gave
up. With a deadline the caller gets ServiceUnavailable (HTTP 503). The request message gets the
same time to live, so a request nobody picked up in time expires in its queue instead of being
carried out minutes later, after its caller was already told it failed.
"""
from __future__ import annotations

import logging

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import ReplyListener, RpcConsumer, RpcProxy

from services.common.connections import SurvivingQueueConsumer, broker_connection_lost, unreachable_dependency
from services.common.errors import ServiceUnavailable
from services.common.idempotency import OncePerRequestRpc
from services.common.settings import from_container

log = logging.getLogger(__name__)


class SurvivingRpcConsumer(RpcConsumer):
    """Replies to RPC requests; a reply the broker cannot take no longer kills the container.

    nameko publishes the reply and then acks the request in the worker's result handling, where
    any exception kills the whole container. If the broker went away meanwhile, the request is
    left unacked (or requeued, if its channel survived): RabbitMQ delivers it again, and a write
    answers the copy with its first result (services.common.idempotency).
    """

    queue_consumer = SurvivingQueueConsumer()

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as exc:
            if not broker_connection_lost(exc):
                raise
            log.warning("could not reply to %s (%s: %s); the request will be delivered again",
                        message.properties.get("reply_to"), type(exc).__name__, exc)
            self.queue_consumer.requeue_message(message)
            return result, exc_info


class SurvivingRpc(OncePerRequestRpc):
    """The RPC entrypoint of every service: carried out once per request key (OncePerRequestRpc),
    its reply surviving a lost broker (SurvivingRpcConsumer), and answering ServiceUnavailable
    (HTTP 503 at the gateway) when a dependency the worker needed (the database, the broker) was
    unreachable, instead of an internal error: the caller may try again in a moment."""

    rpc_consumer = SurvivingRpcConsumer()

    def translate_error(self, exc_info):
        if exc_info is not None:
            dependency = unreachable_dependency(exc_info[1])
            if dependency is not None:
                unavailable = ServiceUnavailable(
                    f"the {self.container.service_name} service cannot reach {dependency} at the moment")
                return (ServiceUnavailable, unavailable, exc_info[2])
        return exc_info


# Bare (`@rpc`) or with options: the entrypoint's own defaults carry the expected domain errors.
rpc = SurvivingRpc.decorator

_PENDING = object()


class SurvivingReplyListener(ReplyListener):
    """nameko's reply listener on the surviving consumer, with a reply queue that does not
    outlive its process by long. nameko's queue expires 5 minutes after its last consumer left,
    so each killed or restarted process left one behind for that long. A reply that arrives after
    its caller gave up (RPC_TIMEOUT_SECONDS) is useless, and a listener that reconnects declares
    its queue again, so twice the timeout (at least 10 s) is enough."""

    queue_consumer = SurvivingQueueConsumer()

    def setup(self):
        super().setup()
        timeout = from_container(self.container).rpc_timeout_seconds
        self.queue.queue_arguments["x-expires"] = int(max(10.0, 2 * timeout) * 1000)


class RpcClient(RpcProxy):
    """Declare like RpcProxy: `members = RpcClient("members")`. Timeout: RPC_TIMEOUT_SECONDS."""

    rpc_reply_listener = SurvivingReplyListener()

    def setup(self):
        super().setup()
        self.timeout = from_container(self.container).rpc_timeout_seconds
        # Publisher option (seconds): RabbitMQ drops the request once it is older than this.
        self.options["expiration"] = self.timeout

    def get_dependency(self, worker_ctx):
        return _TimedService(super().get_dependency(worker_ctx), self.target_service, self.timeout)


class _TimedService:
    def __init__(self, proxy, service: str, timeout: float):
        self._proxy, self._service, self._timeout = proxy, service, timeout

    def __getattr__(self, name):
        return _TimedMethod(getattr(self._proxy, name), self._service, name, self._timeout)


class _TimedMethod:
    def __init__(self, method, service: str, name: str, timeout: float):
        self._method, self._service, self._name, self._timeout = method, service, name, timeout

    def __call__(self, *args, **kwargs):
        try:
            reply = self._method.call_async(*args, **kwargs)
        except UnknownService:
            raise ServiceUnavailable(f"the {self._service} service is not running") from None
        except Exception as exc:
            if not broker_connection_lost(exc):
                raise
            raise ServiceUnavailable(f"the message broker is unreachable; {self._name} was not sent") from None
        result = _PENDING
        with eventlet.Timeout(self._timeout, False):
            result = reply.result()
        if result is _PENDING:
            self._forget(reply)
            raise ServiceUnavailable(
                f"the {self._service} service did not answer {self._name} within {self._timeout:g}s")
        return result

    def _forget(self, reply) -> None:
        # nameko's reply listener keeps a waiting event per call until its reply arrives; a reply
        # that never comes would keep it for the life of the process.
        waiting = getattr(self._method.reply_listener, "_reply_events", {})
        for correlation_id, event in list(waiting.items()):
            if event is reply.reply_event:
                waiting.pop(correlation_id, None)
