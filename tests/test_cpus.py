"""Sizing pools by the CPUs a process may use (config/cpus.py): inside a container limited with
`--cpus`, the quota counts, not the host's cores."""

import os

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
    if "CELERY_WORKER_CONCURRENCY" in os.environ:
        pytest.fail("CELERY_WORKER_CONCURRENCY is set: this test checks the default")
    processes = settings.CELERY_WORKER_CONCURRENCY
    assert processes == 6 * cpus.available_cpus()
