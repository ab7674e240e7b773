"""The subscription table is the one list of who consumes what, and the shared kit stays below the
services: nothing in services/common imports a service, the registry or the table, and its
modules import each other without a cycle."""
import ast
from pathlib import Path

from services import registry
from services.common import topology
from services.subscriptions import SUBSCRIPTIONS, declared_subscriptions, table

COMMON = Path(__file__).resolve().parents[2] / "services" / "common"
ABOVE_THE_KIT = ("services.members", "services.activities", "services.points", "services.notify",
                 "services.gateway", "services.registry", "services.subscriptions", "services.launch",
                 "services.deadletters")


def test_the_table_is_what_the_services_handlers_declare():
    declared = declared_subscriptions(registry.service_classes().values())
    listed = set(SUBSCRIPTIONS)
    assert not declared - listed, f"handlers missing from services/subscriptions.py: {declared - listed}"
    assert not listed - declared, f"rows of services/subscriptions.py no handler declares: {listed - declared}"
    assert len(listed) == len(SUBSCRIPTIONS), "a row is listed twice"


def test_every_consumer_has_its_own_queue_and_every_subscribed_event_is_mandatory():
    assert len({s.queue for s in SUBSCRIPTIONS}) == len(SUBSCRIPTIONS)
    mandatory = topology.subscribed_event_types(SUBSCRIPTIONS)
    assert ("activities", "activity_logged") in mandatory and ("points", "points_awarded") in mandatory
    assert ("members", "pioneer_post_assigned") not in mandatory  # a fact no service reads yet
    config = topology.with_mandatory_events({"AMQP_URI": "amqp://"}, SUBSCRIPTIONS)
    assert topology.mandatory_events(config) == mandatory


def test_the_printed_table_has_a_line_per_consumer_naming_its_queue():
    lines = table().splitlines()
    assert len(lines) == 2 + len(SUBSCRIPTIONS)
    notify_duties = next(line for line in lines if "notify.on_activity_logged" in line)
    assert "`theory_reading`" in notify_duties and "in batches" in notify_duties
    assert "`evt-activities-activity_logged--notify.on_activity_logged`" in notify_duties


def test_the_readme_shows_the_table_as_printed():
    readme = (COMMON.parents[1] / "README.md").read_text()
    assert table() in readme, "README.md: its subscription table is stale; bin/readme-topology rewrites it"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _common_modules() -> dict[str, Path]:
    modules = {}
    for path in COMMON.rglob("*.py"):
        parts = path.relative_to(COMMON.parent.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def test_the_shared_kit_imports_no_service_and_not_the_table():
    offending = {name: sorted(i for i in _imports(path) if i.startswith(ABOVE_THE_KIT))
                 for name, path in _common_modules().items()}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_shared_kits_modules_import_each_other_without_a_cycle():
    modules = _common_modules()
    graph = {name: {i for i in _imports(path) if i in modules and i != name} for name, path in modules.items()}
    # A package imports its own modules to register them; that is not a cycle back into it.
    graph = {name: {i for i in deps if not i.startswith(name + ".")} for name, deps in graph.items()}

    def cycle_from(start, path=()):
        for nxt in graph[start]:
            if nxt in path:
                return path[path.index(nxt):] + (nxt,)
            found = cycle_from(nxt, path + (nxt,))
            if found:
                return found
        return None

    cycles = {name: cycle_from(name, (name,)) for name in graph}
    assert {name: cycle for name, cycle in cycles.items() if cycle} == {}
