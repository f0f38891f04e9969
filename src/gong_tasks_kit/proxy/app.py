"""The proxy's app factory: its runtime, the dispatcher in front (with the target as what
answers), and its own pages (``/__health``, the admin API, the drift report).

Where a call goes (see ``serving.dispatcher``): the Tasks API's calls are admitted by
``serving.admission`` (the same pipeline as the mock's), answered by the target through
``exchange.ProxyExchange`` and journaled by the dispatcher; the Flask app answers the rest.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import orjson
from flask import Blueprint, Flask, Response

from gong_tasks_kit.proxy.anonymize import Anonymizer
from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.exchange import ProxyExchange
from gong_tasks_kit.proxy.files import FileKeeper
from gong_tasks_kit.proxy.forward import Forwarder
from gong_tasks_kit.proxy.recording import Recording
from gong_tasks_kit.proxy.runtime import ProxyRuntime, proxy_runtime, render_drift_report
from gong_tasks_kit.proxy.settings import ProxySettings
from gong_tasks_kit.proxy.spec_patch import FLUSH_SECONDS as SPEC_PATCH_FLUSH_SECONDS
from gong_tasks_kit.proxy.spec_patch import proxy_spec_patch, render_spec_patch
from gong_tasks_kit.serving.admin_api import ADMIN_PREFIX, admin, guard_admin_call
from gong_tasks_kit.serving.errors import gong_headers
from gong_tasks_kit.serving.flask_app import install
from gong_tasks_kit.serving.limiter import GongLimiter
from gong_tasks_kit.serving.renamed import renamed_names
from gong_tasks_kit.serving.runtime import configured_secrets
from gong_tasks_kit.serving.settings import is_setting, read_settings
from gong_tasks_kit.serving.state import SharedState, open_state

__all__ = ["create_proxy_app", "proxy_runtime"]

proxy_meta = Blueprint("proxy_meta", __name__)
proxy_admin = Blueprint("proxy_admin", __name__, url_prefix=ADMIN_PREFIX)
proxy_admin.before_request(guard_admin_call)


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), headers=gong_headers())


@proxy_meta.get("/__health")
def health() -> Response:
    """Liveness, the port, the target, how many calls were forwarded, and the recording
    (its file, its tasks, why its last write failed)."""
    runtime = proxy_runtime()
    exchanges = runtime.drift.report()["exchanges"]
    health: dict[str, Any] = {
        "status": "ok",
        "port": runtime.settings.port,
        "target": runtime.forwarder.target,
        "exchanges": exchanges,
    }
    recording = runtime.recording_status()
    if recording is not None:
        health["recording"] = recording
    return _json(health)


@proxy_admin.get("/drift")
def drift() -> Response:
    """The drift report so far: the contract suite's format, plus ``target``,
    ``exchanges`` and a summary of ``violations``."""
    return _json(proxy_runtime().drift_report())


def _runtime(settings: ProxySettings, state: SharedState, summary_at_exit: bool) -> ProxyRuntime:
    credentials = CredentialFilter(configured_secrets(settings))
    recording = None
    if settings.record:
        seed = settings.anonymize_seed
        anonymizer = None
        if settings.anonymize:
            anonymizer = Anonymizer(secrets.randbits(63) if seed is None else seed)
        recording = Recording(settings.record, credentials, anonymizer)
    drift = DriftLog(settings.target)
    drift_file = None
    if settings.drift_report:
        drift_file = FileKeeper(
            settings.drift_report, lambda: render_drift_report(drift, credentials)
        )
    patch_file = None
    if settings.spec_patch:
        patch_file = FileKeeper(
            settings.spec_patch,
            lambda: render_spec_patch(drift, credentials),
            interval=SPEC_PATCH_FLUSH_SECONDS,
        )
    return ProxyRuntime(
        settings=settings,
        state=state,
        limiter=GongLimiter(settings.rate_limit, settings.daily_limit, state.limits_storage()),
        forwarder=Forwarder(
            settings.target,
            settings.target_timeout,
            settings.threads,
            max_bytes=settings.max_target_bytes,
            max_waiting=settings.max_target_calls or max(1, settings.threads - 1),
        ),
        credential_filter=credentials,
        drift=drift,
        drift_file=drift_file,
        spec_patch_file=patch_file,
        recording=recording,
        summary_at_exit=summary_at_exit,
    )


def create_proxy_app(
    config: Mapping[str, Any] | None = None,
    *,
    settings: ProxySettings | None = None,
    state: SharedState | None = None,
    summary_at_exit: bool = False,
) -> Flask:
    """Build the proxy: defaults, then ``GONG_PROXY_*`` variables, then ``config``.

    Args:
        config: Settings by name (``{"target": "https://us-1.api.gong.io"}``) and any
            Flask setting (upper-case, e.g. ``TESTING``).
        settings: Settings already loaded (what ``gong-tasks proxy`` passes).
        state: The shared state ``settings.state`` names, already opened (what
            ``gong-tasks proxy`` passes, having checked it); default: opened here.
        summary_at_exit: Print a summary of the run (exchanges, violations, drift,
            recording) when the serving process ends.

    Raises:
        SettingsError: when a setting is unusable (e.g. no target).
    """
    given = dict(config or {})
    flask_config = {
        k: v for k, v in given.items() if k.isupper() and not is_setting(ProxySettings, k)
    }
    overrides = {k: v for k, v in given.items() if k not in flask_config}
    if settings is None:
        settings = read_settings(ProxySettings, overrides)
    elif overrides:
        raise ValueError("pass settings either as `settings` or in `config`, not both")
    app = Flask(__name__)
    app.config.from_mapping(flask_config)
    runtime = _runtime(settings, state or open_state(settings.state), summary_at_exit)
    app.register_blueprint(proxy_meta)
    if settings.admin:
        app.register_blueprint(admin)
        app.register_blueprint(proxy_admin)
        app.register_blueprint(proxy_spec_patch)
    install(app, runtime, ProxyExchange(runtime))
    return app


__getattr__ = renamed_names(__name__, {"proxy_state": "proxy_runtime"}, globals().__getitem__)
