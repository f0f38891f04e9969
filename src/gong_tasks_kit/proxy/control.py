"""A Python client of the proxy's admin API: the mock's QA controls, plus the drift report."""

from __future__ import annotations

from typing import Any

from gong_tasks_kit.serving.admin_client import AdminClient


class ProxyControl(AdminClient):
    """The admin API's client for the proxy: plans,
    chaos, latency, quota, the journal and reset work the same (the mock's task views and
    uploads do not exist here), and :meth:`drift` reads the drift report.

    Example:
        >>> control = ProxyControl("http://127.0.0.1:8081")
        >>> control.fail_next(429)  # answered by the proxy; the target never sees it
        >>> control.requests()[-1]["violations"]
        >>> control.drift()["violations"]
    """

    def drift(self) -> dict[str, Any]:
        """The drift report so far (the contract suite's format, plus ``target``,
        ``exchanges`` and ``violations``)."""
        report: dict[str, Any] = self._call("GET", "/drift")
        return report
