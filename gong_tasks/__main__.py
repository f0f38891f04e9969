"""``python -m gong_tasks`` runs the ``gong-tasks`` command line."""

from gong_tasks.cli import main

main()
