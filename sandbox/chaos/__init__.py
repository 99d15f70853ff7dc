"""Chaos runs: real sidecar replicas against a faulty sandbox, checked from its audit log.

``benchmarks/chaos.py`` runs the full size; ``tests/sidecar/test_chaos.py`` a CI-sized
one. See docs/reliability.md.
"""

from sandbox.chaos.harness import ChaosPlan, ChaosRun, run_chaos
from sandbox.chaos.replicas import Replica, free_port
from sandbox.chaos.report import ChaosReport, Kill

__all__ = ["ChaosPlan", "ChaosReport", "ChaosRun", "Kill", "Replica", "free_port", "run_chaos"]
