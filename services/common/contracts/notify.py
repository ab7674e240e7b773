"""Events published by the notify service (none yet: notify is a sink in the golden path)."""
