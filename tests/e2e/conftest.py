"""The whole system as separate OS processes, as `make run` starts it."""
import pytest

from tests.support.infra import free_port, service_env
from tests.support.processes import SERVICES, SystemProcesses


@pytest.fixture
def system(database_url, amqp_uri, migrated, tmp_path):
    processes = SystemProcesses(
        # A short RPC deadline so a "service down" answer comes quickly; business gauges
        # refreshed every second so a scrape sees them without waiting the production 30 s.
        service_env(database_url, amqp_uri, LOG_FORMAT="json", RPC_TIMEOUT_SECONDS="2",
                    BUSINESS_GAUGE_SECONDS="1"),
        gateway_port=free_port(),
        metrics_ports={name: free_port() for name in SERVICES},
        log_dir=tmp_path,
    )
    try:
        processes.start_all()
        yield processes
    finally:
        processes.stop_all()
