"""Suite-wide test settings: Hypothesis runs derandomized so every run checks the same cases."""

from hypothesis import settings

settings.register_profile("deskroute", derandomize=True, print_blob=True)
settings.load_profile("deskroute")
