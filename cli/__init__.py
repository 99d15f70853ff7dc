"""The ``deskroute`` command line: one module per command group, wired in ``cli.main``."""
