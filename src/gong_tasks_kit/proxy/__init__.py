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

import warnings
from typing import Any

from gong_tasks_kit.proxy.app import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy.control import ProxyControl
from gong_tasks_kit.proxy.settings import ProxySettings

__all__ = ["ProxyControl", "ProxySettings", "create_proxy_app", "proxy_runtime"]


def __getattr__(name: str) -> Any:
    """``proxy_state``, the last release's name of ``proxy_runtime``, kept for one release
    with a warning."""
    if name == "proxy_state":
        warnings.warn(
            "gong_tasks_kit.proxy.proxy_state is now proxy_runtime; the old name goes in "
            "the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return proxy_runtime
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
