"""Chaos runs: real sidecar replicas against a faulty help desk, checked from its audit.

``benchmarks/chaos.py`` runs the full size; ``tests/sidecar/test_chaos.py`` a CI-sized
one. The desk is the sandbox's Zendesk or Freshdesk face or a real Request Tracker
(``sandbox.chaos.faces``). See docs/reliability.md.
"""

from sandbox.chaos.faces import DESKS, BulkWrites, Face, SandboxFace
from sandbox.chaos.harness import ChaosPlan, ChaosRun, run_chaos
from sandbox.chaos.replicas import Replica, free_port
from sandbox.chaos.report import ChaosReport, Kill

__all__ = [
    "DESKS",
    "BulkWrites",
    "ChaosPlan",
    "ChaosReport",
    "ChaosRun",
    "Face",
    "Kill",
    "Replica",
    "SandboxFace",
    "free_port",
    "run_chaos",
]
