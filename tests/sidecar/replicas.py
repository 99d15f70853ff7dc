"""Sidecar replicas as real processes (``deskroute run``) for failover and crash tests."""

from sandbox.chaos.replicas import Replica, free_port

__all__ = ["Replica", "free_port"]
