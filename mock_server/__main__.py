"""``python -m gong_tasks_kit.mock_server`` is ``gong-tasks serve``."""

from gong_tasks_kit.mock_server.cli import serve_command

serve_command(prog_name="python -m gong_tasks_kit.mock_server")
