"""``python -m cli`` runs the ``deskroute`` command."""

from cli.main import main

main()
