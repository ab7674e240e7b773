"""The image, built and run: deploy/verify-containers end to end (podman, the real servers).

It builds the image (and, the first time on a machine, the local Debian base: about two minutes),
starts every service in its own container against the local RabbitMQ and PostgreSQL, in a database
and vhost of its own, and answers the golden path through the containerised gateway.
"""
from __future__ import annotations

import subprocess

import pytest

from tests.deploy.conftest import DEPLOY, require_tool


@pytest.mark.slow
def test_every_service_runs_in_a_container_and_the_gateway_answers_the_golden_path():
    for tool in ("podman", "runc", "debootstrap"):
        require_tool(tool)
    result = subprocess.run([str(DEPLOY / "verify-containers")], capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "golden path answered: 2 points, notice '积分变动：+2 分'" in result.stdout, output[-6000:]
