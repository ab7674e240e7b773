"""The delivery worker: sends pending deliveries, with retries, backoff and the robots' pace.

Runs inside the notify service like the outbox relay: a managed thread started with the
container polls every NOTIFY_POLL_SECONDS. Each delivery is claimed in its own transaction with
`FOR UPDATE SKIP LOCKED`, so replicas share the queue and never send one row at the same time.
The row stays locked while it is sent and its outcome is written in the same transaction; a
crash between the far side accepting and the commit sends it again later (at-least-once to
the outside world, which no SMTP server or robot lets us do better than).

Outcomes: sent; transient failure -> pending again after base * 2^(attempts-1) seconds (capped),
failed once NOTIFY_MAX_ATTEMPTS is reached; permanent failure -> failed with its reason.

Robots accept 20 messages a minute per webhook. Every request to a robot is recorded in
`robot_sends`; before sending, the worker locks the robot's row (serialising replicas on that
webhook only) and counts the requests in the last window. At the limit the delivery waits, still
pending, until the oldest request leaves the window: queued, never dropped.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy import delete, func, select, update

from services.common.background import BackgroundWorker
from services.notify import channels, models
from services.notify import settings as notify_settings

log = logging.getLogger(__name__)

# Labels: channel (4 values) x outcome (sent, retried, failed, queued).
NOTIFICATIONS = Counter(
    "notifications_total",
    "Notification deliveries by channel and outcome: sent, retried, failed, queued (held for a robot's rate limit)",
    ["channel", "outcome"],
)


def backoff_seconds(settings: notify_settings.NotifySettings, attempts: int) -> float:
    """Delay before the next try after `attempts` failed tries (1, 2, ...)."""
    return min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** max(0, attempts - 1))


class DeliveryWorker(BackgroundWorker):
    """Declare on the notify service: `deliveries = DeliveryWorker()`."""

    identifier = "notify_delivery"
    pool_size = 2

    def setup(self):
        self.settings = notify_settings.load()  # fails the container's start on a bad variable
        super().setup()
        # A stop lets the send under way finish and be recorded (each send is bounded by its
        # channel's timeout), so a restart does not send it again.
        self.stop_grace_seconds = max(self.settings.smtp_timeout_seconds, self.settings.http_timeout_seconds) + 5

    def run(self):
        failures = 0
        while not self.stopping:
            try:
                handled = self.deliver_once()
                failures = 0
            except Exception as exc:  # the database is away: back off, keep the thread alive
                failures += 1
                delay = min(60.0, 0.5 * 2 ** min(failures, 7))
                log.warning("delivery worker failed (%s); retrying in %.1fs", exc, delay)
                self.pause(delay)
                continue
            if handled < self.settings.batch_size:
                self.pause(self.settings.poll_seconds)

    def deliver_once(self) -> int:
        """Handle up to one batch of due deliveries; returns how many were handled."""
        handled = 0
        while handled < self.settings.batch_size and not self.stopping and self._deliver_one():
            handled += 1
        return handled

    def _deliver_one(self) -> bool:
        d = models.deliveries
        with self.engine.begin() as conn:
            row = conn.execute(
                select(d).where(d.c.status == "pending", d.c.next_attempt_at <= func.now())
                .order_by(d.c.next_attempt_at, d.c.created_at).limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return False
            try:
                if row.channel == "email":
                    if not row.address:
                        raise channels.SendFailed("the person has no email address", permanent=True)
                    channels.send_email(self.settings, row.address, row.title, row.body)
                elif row.channel in channels.ROBOT_CHANNELS:
                    if not self._send_robot(conn, row):
                        return True
                else:
                    raise channels.SendFailed(f"unknown channel {row.channel!r}", permanent=True)
            except channels.SendFailed as exc:
                self._record_failure(conn, row, exc)
                return True
            conn.execute(update(d).where(d.c.id == row.id).values(
                status="sent", attempts=row.attempts + 1, last_error=None, finished_at=func.now()))
            NOTIFICATIONS.labels(row.channel, "sent").inc()
        return True

    def _send_robot(self, conn, row) -> bool:
        """Send to the robot unless its window is full; False when the delivery was held back."""
        r, s, d = models.robots, models.robot_sends, models.deliveries
        robot = conn.execute(select(r).where(r.c.id == row.robot_id).with_for_update()).first() \
            if row.robot_id else None
        if robot is None or not robot.enabled:
            raise channels.SendFailed("the branch robot was removed or disabled", permanent=True)
        window = timedelta(seconds=self.settings.robot_window_seconds)
        now = conn.execute(select(func.clock_timestamp())).scalar_one()
        conn.execute(delete(s).where(s.c.robot_id == robot.id, s.c.sent_at <= now - window))
        count, oldest = conn.execute(
            select(func.count(), func.min(s.c.sent_at)).where(s.c.robot_id == robot.id)).one()
        if count >= self.settings.robot_limit:
            conn.execute(update(d).where(d.c.id == row.id).values(next_attempt_at=oldest + window))
            NOTIFICATIONS.labels(row.channel, "queued").inc()
            return False
        conn.execute(s.insert().values(robot_id=robot.id, sent_at=now))
        channels.send_robot(self.settings, robot.kind, robot.webhook_url, robot.secret, row.title, row.body)
        return True

    def _record_failure(self, conn, row, exc: channels.SendFailed) -> None:
        d = models.deliveries
        attempts = row.attempts + 1
        if exc.permanent or attempts >= self.settings.max_attempts:
            reason = exc.reason if exc.permanent else f"gave up after {attempts} attempts; last error: {exc.reason}"
            conn.execute(update(d).where(d.c.id == row.id).values(
                status="failed", attempts=attempts, last_error=reason, finished_at=func.now()))
            NOTIFICATIONS.labels(row.channel, "failed").inc()
            log.error("delivery %s (%s) failed: %s", row.id, row.channel, reason)
            return
        delay = backoff_seconds(self.settings, attempts)
        conn.execute(update(d).where(d.c.id == row.id).values(
            attempts=attempts, last_error=exc.reason,
            next_attempt_at=func.clock_timestamp() + timedelta(seconds=delay)))
        NOTIFICATIONS.labels(row.channel, "retried").inc()
        log.warning("delivery %s (%s) retrying in %.2fs: %s", row.id, row.channel, delay, exc.reason)
