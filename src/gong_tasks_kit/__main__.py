"""``python -m gong_tasks_kit`` runs the ``gong-tasks`` command line."""

from gong_tasks_kit.cli import main

main()
