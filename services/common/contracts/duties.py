"""四个一 (`four_duties`): the four monthly duties every Party member owes (DESIGN.md glossary).

One definition for every service and event: activities marks them done, points deducts for the
missed ones at month close, notify reminds and names them. Each is also an activity kind's key.
"""
from __future__ import annotations

from enum import StrEnum


class Duty(StrEnum):
    OPINION_LISTENING = "opinion_listening"    # listen to non-Party colleagues' opinions
    ACTIVIST_FOLLOWUP = "activist_followup"    # follow up the learning of the activists one looks after
    THEORY_READING = "theory_reading"          # read Party theory
    VOLUNTEER_SERVICE = "volunteer_service"    # do volunteer service


# In the order the programme lists them, which is the order reports and notices show them in.
FOUR_DUTIES: tuple[Duty, ...] = tuple(Duty)
