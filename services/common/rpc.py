"""RPC on both sides: entrypoints that expect domain errors, and a client that gives up.

`rpc` is nameko's entrypoint with `expected_exceptions=DomainError`: a NotFound or an
InvalidInput is an answer, not a fault, so nameko logs it without a traceback and the error
still crosses to the caller as the same class.

`RpcClient` is nameko's RpcProxy with a deadline. nameko 2.14's proxy waits for a reply for
ever; if the target service is down, a gateway request would hang until the HTTP client gave
up. With a deadline the caller gets ServiceUnavailable (HTTP 503). The request message gets the
same time to live, so a request nobody picked up in time expires in its queue instead of being
carried out minutes later, after its caller was already told it failed.
"""
from __future__ import annotations

from functools import partial

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc as nameko_rpc

from services.common.errors import DomainError, ServiceUnavailable
from services.common.settings import from_container


def rpc(fn=None, **options):
    """nameko's @rpc with `expected_exceptions=DomainError`, bare (`@rpc`) or with options.
    (A functools.partial lost the keyword when used bare: nameko's decorator treats a lone
    function argument as the bare form and registers it with no options at all.)"""
    options.setdefault("expected_exceptions", DomainError)
    if fn is None:
        return partial(rpc, **options)
    return nameko_rpc(**options)(fn)


_PENDING = object()


class RpcClient(RpcProxy):
    """Declare like RpcProxy: `members = RpcClient("members")`. Timeout: RPC_TIMEOUT_SECONDS."""

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
