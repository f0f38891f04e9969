"""The validating, recording proxy: ``gong-tasks proxy --target URL`` sits between a client
and the real API, forwards its calls with the caller's own credentials, passes every
answer back unchanged, and checks each exchange against the spec. QA's controls (Prefer,
plans, chaos, latency) work in front of the target; ``--record`` keeps the tasks seen, in
the format ``gong-tasks serve --data`` reads.

It sits on the top layer: it runs the serving layer's dispatcher and admission pipeline
(``serving``, as the mock does) with its target in place of the mock's data, and feeds
the contract suite's drift recorder (``contract_tests``). It imports nothing of the mock.
"""

from __future__ import annotations

from gong_tasks_kit.proxy.app import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy.control import ProxyControl
from gong_tasks_kit.proxy.settings import ProxySettings
from gong_tasks_kit.serving.renamed import renamed_names

__all__ = ["ProxyControl", "ProxySettings", "create_proxy_app", "proxy_runtime"]


__getattr__ = renamed_names(__name__, {"proxy_state": "proxy_runtime"}, globals().__getitem__)
