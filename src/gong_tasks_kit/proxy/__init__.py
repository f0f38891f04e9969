"""The validating, recording proxy: ``gong-tasks proxy --target URL`` sits between a client
and the real API, forwards its calls with the caller's own credentials, passes every
answer back unchanged, and checks each exchange against the spec. QA's controls (Prefer,
plans, chaos, latency) work in front of the target; ``--record`` keeps the tasks seen, in
the format ``gong-tasks serve --data`` reads.

It sits on the top layer: it combines the mock's QA controls (``mock_server``) with the
contract suite's drift recorder (``contract_tests``).
"""

from __future__ import annotations

from gong_tasks_kit.proxy.app import create_proxy_app, proxy_state
from gong_tasks_kit.proxy.control import ProxyControl
from gong_tasks_kit.proxy.settings import ProxySettings

__all__ = ["ProxyControl", "ProxySettings", "create_proxy_app", "proxy_state"]
