"""Configuration at the edge: environment settings, the policy file and input files."""

from config.policy_file import PolicyFile, PolicyFileError, load_policy, parse_policy
from config.settings import ConfigError, Settings, load_settings

__all__ = [
    "ConfigError",
    "PolicyFile",
    "PolicyFileError",
    "Settings",
    "load_policy",
    "load_settings",
    "parse_policy",
]
