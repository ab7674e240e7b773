"""Where each service's nameko class lives. Used by the runner and by topology declaration."""
from __future__ import annotations

import importlib

SERVICES = {
    "members": "services.members.service:MembersService",
    "activities": "services.activities.service:ActivitiesService",
    "points": "services.points.service:PointsService",
    "notify": "services.notify.service:NotifyService",
    "dues": "services.dues.service:DuesService",
    "gateway": "services.gateway.service:GatewayService",
}

# Services that own a database schema (the gateway owns none).
WITH_DATABASE = ("members", "activities", "points", "notify", "dues")


def service_class(name: str):
    module_name, _, attr = SERVICES[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def service_classes() -> dict:
    return {name: service_class(name) for name in SERVICES}
