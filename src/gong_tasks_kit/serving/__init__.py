"""The HTTP and QA layer that the mock and the proxy share: how a call enters a server and
is admitted, answered in Gong's shape and journaled; QA's controls over it.

Where to look:

- a call enters at ``dispatcher`` (every host: the Flask app's WSGI middleware, and the
  server's direct path under ``gong-tasks serve``), which routes it (``routes``);
- it is admitted by ``admission`` (latency, the caller, ``Prefer``, fault plans and
  chaos, Gong's limits), the one pipeline of the mock and the proxy;
- it is answered by what plugs in (the mock's ``answers``, the proxy's ``exchange``),
  in Gong's shape (``errors``);
- it is journaled by ``journal``, in the shared state (``state``).

Around them: bodies and bounds on client input (``bodies``, ``bounds``, ``json_input``),
the limiter, QA's fault controls and the admin API (``faults``, ``prefer``,
``admin_api``), redaction of secrets, the settings every server has, and the server that
runs a dispatcher on granian (``server``, ``rsgi_bridge``, ``command_line``).

Importing this package loads nothing (its modules are imported one by one).
"""
