"""``python -m mock_server`` is ``gong-tasks serve``."""

from mock_server.cli import serve_command

serve_command(prog_name="python -m mock_server")
