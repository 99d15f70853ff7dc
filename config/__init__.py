"""Configuration at the edge: environment settings, the policy file, input files, datasets
and classifier model files."""

from config.datasets import DatasetError, Example, load_examples
from config.model_files import ModelFileError, load_classifier, load_model, save_model
from config.policy_file import PolicyFile, PolicyFileError, load_policy, parse_policy
from config.settings import ConfigError, Settings, load_settings

__all__ = [
    "ConfigError",
    "DatasetError",
    "Example",
    "ModelFileError",
    "PolicyFile",
    "PolicyFileError",
    "Settings",
    "load_classifier",
    "load_examples",
    "load_model",
    "load_policy",
    "load_settings",
    "parse_policy",
    "save_model",
]
