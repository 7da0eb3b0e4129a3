"""Sizing pools by the CPUs a process may use (config/cpus.py): inside a container limited with
`--cpus`, the quota counts, not the host's cores."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from config import cpus


@pytest.fixture
def cpu_max(tmp_path, monkeypatch):
    path = tmp_path / "cpu.max"
    monkeypatch.setattr(cpus, "CGROUP_CPU_MAX", path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    return path


def test_a_container_quota_caps_the_host_cores(cpu_max):
    cpu_max.write_text("150000 100000\n")  # docker run --cpus 1.5 on a 64-core host
    assert cpus.available_cpus() == 2


def test_without_a_quota_the_affinity_counts(cpu_max):
    cpu_max.write_text("max 100000\n")
    assert cpus.available_cpus() == 64
    cpu_max.unlink()  # cgroup v1, or not Linux
    assert cpus.available_cpus() == 64


def test_an_unreadable_quota_is_ignored(cpu_max):
    cpu_max.write_text("garbage")
    assert cpus.available_cpus() == 64


def test_celery_starts_six_worker_processes_per_available_cpu():
    # The settings are read once per process: a fresh interpreter, told it may use 3 CPUs.
    script = (
        "import config.cpus; config.cpus.available_cpus = lambda: 3\n"
        "import config.settings as s; print(s.CELERY_WORKER_CONCURRENCY)"
    )
    env = {k: v for k, v in os.environ.items() if k != "CELERY_WORKER_CONCURRENCY"}
    env["DEBUG"] = "1"  # development secrets: this only reads the settings
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert result.stdout.split()[-1] == "18"
