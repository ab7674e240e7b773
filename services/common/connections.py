"""What a lost connection means, and the queue consumer that outlives its broker.

nameko kills the whole service container when anything raised in a worker's result handling or
in an extension's thread. A broker restart makes three of those raise: publishing an RPC reply
(`Responder.send_response`, kombu's OperationalError: ECONNREFUSED), acking a message on a channel
that died with its connection, and requeueing one. None of them is fatal: a message whose ack
could not be sent is still unacked, and RabbitMQ delivers it again once a consumer is back; the
consumers are idempotent for exactly that reason. So the consumer below lets them go with a
warning instead of killing the container, reconnects with a short, capped backoff, and says
whether its consumers are attached, which the readiness endpoint reports (services.common.health).

Every consumer of the project uses it: the event handlers (services.common.consuming), the RPC
entrypoints and the RPC reply listener (services.common.rpc).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

import amqp.exceptions
import kombu.exceptions
import sqlalchemy.exc
from nameko.messaging import QueueConsumer

log = logging.getLogger(__name__)

# kombu's default reconnect backoff grows to 30 s: a consumer would come back up to half a
# minute after its broker. A short cap brings every service back within seconds of the broker.
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_STEP_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 5.0
# How long one wait for the broker's frames lasts before the consuming thread looks up again (to
# stop, to check heartbeats). kombu's default is 1 s, which makes each consumer's stop take up to
# a second: a service with three consumers took three seconds to stop, for nothing.
POLL_SECONDS = 0.1

BROKER = "the message broker"
DATABASE = "the database"

_BROKER_ERRORS = (
    kombu.exceptions.OperationalError,  # kombu's wrapper around a refused or reset connection
    amqp.exceptions.ConnectionError,  # closed by the broker (forced at shutdown, heartbeat missed)
    amqp.exceptions.RecoverableChannelError,
)
_DATABASE_ERRORS = (
    sqlalchemy.exc.OperationalError,  # server gone, shutting down, connection refused
    sqlalchemy.exc.InterfaceError,  # the connection was already closed
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
)


def unreachable_dependency(exc: BaseException) -> str | None:
    """The dependency whose absence `exc` reports (BROKER or DATABASE), or None when `exc` is
    something else. Such a failure is transient: the same request may succeed a moment later."""
    if isinstance(exc, _DATABASE_ERRORS):
        return DATABASE
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return DATABASE
    if isinstance(exc, _BROKER_ERRORS):
        return BROKER
    return None


def broker_connection_lost(exc: BaseException) -> bool:
    """For an error raised by the AMQP client itself: the broker connection is gone. The client
    lets some socket errors through unwrapped (reset, refused, broken pipe); raised elsewhere they
    may be about any server, so `unreachable_dependency` does not count them."""
    return unreachable_dependency(exc) == BROKER or isinstance(exc, OSError)


class SurvivingQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer that never lets a dead connection kill its container."""

    def __init__(self):
        super().__init__()
        self.attached = False

    def ack_message(self, message):
        self._settle(super().ack_message, message, "ack")

    def requeue_message(self, message):
        self._settle(super().requeue_message, message, "requeue")

    def _settle(self, settle, message, what: str) -> None:
        try:
            settle(message)
        except Exception as exc:
            if not broker_connection_lost(exc):
                raise
            # Unacked it stays, and RabbitMQ hands it out again once a consumer is back.
            log.warning("could not %s a message (%s: %s); the broker delivers it again",
                        what, type(exc).__name__, exc)

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as conn:
            conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                   interval_start=RECONNECT_FIRST_SECONDS, interval_step=RECONNECT_STEP_SECONDS,
                                   interval_max=RECONNECT_MAX_SECONDS)
            yield conn

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.attached = True
        log.info("consumers attached to the broker (%d queues)", len(self._consumers))
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def consume(self, *args, **kwargs):
        # kombu's run loop reconnects when this generator fails; until then nothing consumes.
        kwargs.setdefault("safety_interval", POLL_SECONDS)
        try:
            yield from super().consume(*args, **kwargs)
        finally:
            self.attached = False

    @property
    def alive(self) -> bool:
        """False once the consuming thread has ended while the container still runs."""
        return self._gt is None or not self._gt.dead
