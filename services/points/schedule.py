"""When the scheduled month close runs, and which month it closes.

Read from the environment once at import (the timer's interval is fixed when the service class is
defined); a bad value stops the service at start with a clear message.
    MONTH_CLOSE_INTERVAL_SECONDS  how often each replica looks for months to close (default 3600)
    MONTH_CLOSE_GRACE_DAYS        days after a month ends before it is closed, so late logs count (default 3)
"""
from __future__ import annotations

import os
from datetime import date

from services.common.contracts import Period
from services.common.settings import _int

# The settings loader's own reading of a whole number, as dues's schedule reads its interval.
INTERVAL_SECONDS = _int(os.environ, "MONTH_CLOSE_INTERVAL_SECONDS", 3600, 60, 86400)
GRACE_DAYS = _int(os.environ, "MONTH_CLOSE_GRACE_DAYS", 3, 0, 27)


def due_period(today: date, grace_days: int = GRACE_DAYS) -> Period | None:
    """The month to close on `today` (local date), or None while the grace days run."""
    last_month = Period.of(today).previous()
    if (today - last_month.last_day).days <= grace_days:
        return None
    return last_month
