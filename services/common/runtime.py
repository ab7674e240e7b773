"""Process-wide patching that must happen before anything opens a socket.

nameko 2.14 no longer monkey-patches by itself, and psycopg2 is a C driver that would block
the eventlet hub on every query unless it is given a green wait callback. Both are done here,
once, and every entry point (service runner, tests, benchmarks) calls `patch()` first thing.
"""
import warnings

_patched = False


def patch() -> None:
    global _patched
    if _patched:
        return
    # eventlet announces its own deprecation on import; nameko 2.14 still needs it.
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    # psycopg2 runs queries through a wait callback; psycogreen's yields to the eventlet hub
    # while the socket is busy, so two slow queries in one service overlap instead of queueing.
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _patched = True
