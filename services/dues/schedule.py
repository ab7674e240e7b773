"""How often each replica looks for scheduled dues work: assessing the current month and
checking the month just ended for arrears, per (tenant, branch, month).

Read from the environment once at import; a bad value stops the service at start.
    DUES_SCHEDULE_INTERVAL_SECONDS  (default 3600)
"""
from __future__ import annotations

import os

from services.common.settings import _int

INTERVAL_SECONDS = _int(os.environ, "DUES_SCHEDULE_INTERVAL_SECONDS", 3600, 1, 86400)
