"""The mock on 2 processes that share nothing: a measurement, never a product setting.

Run as ``python benchmarks/unshared_mock.py PORT``. ``gong-tasks serve`` refuses
``--workers 2`` on ``memory://`` state (two processes would be two mocks); this starts
them anyway, limits off as in the benchmark, to measure what several processes could
reach if shared state cost nothing: the upper bound of any multi-process design.
"""

from __future__ import annotations

import sys

from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.server import serve
from gong_tasks_kit.mock_server.settings import MockSettings

if __name__ == "__main__":
    settings = MockSettings(rate_limit="off", daily_limit=0, port=int(sys.argv[1]))
    app = create_app(settings=settings)
    # model_copy skips the check that refuses this: two separate mocks, for measuring only
    serve(app, settings.model_copy(update={"workers": 2}), on_ready=lambda: None)
