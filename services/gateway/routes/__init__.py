"""HTTP routes, one module per downstream service, combined into GatewayService as mixins.

`table()` lists every route with what it declares (method, path template, auth, request model,
response model, whether it writes): the OpenAPI document is built from it, and tests generated
from it walk every route."""
from __future__ import annotations

import inspect

from services.gateway.spec import RouteSpec


def table() -> list[RouteSpec]:
    """Every route of the gateway, sorted by path then method; `RouteSpec.name` is the
    entrypoint's name and `RouteSpec.area` its route module (members, activities, ...)."""
    from dataclasses import replace

    from services.gateway.service import GatewayService

    routes = []
    for name, member in inspect.getmembers(GatewayService, inspect.isfunction):
        spec = getattr(member, "route_spec", None)
        if spec is not None:
            area = member.__module__.rpartition(".")[2]
            routes.append(replace(spec, name=name, area="gateway" if area == "service" else area))
    return sorted(routes, key=lambda spec: (spec.path, spec.method))
