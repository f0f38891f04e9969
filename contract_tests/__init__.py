"""The contract suite of Gong's Tasks API: one pytest suite for the mock in-process, any
base URL, and the real Gong API (run it with ``gong-tasks contract`` or
``pytest --pyargs gong_tasks_kit.contract_tests``). Also home of the mutants and benign
variants that prove the suite catches broken servers and passes faithful ones.

Modules: ``settings`` (what a run targets, each setting declared once), ``plugin``,
``suite_fixtures`` and ``summary`` (the pytest wiring: order of a run, fixtures, the last
lines), ``operations`` (the spec's operations as values), ``target`` (sending), with
``budget``, ``pacing`` (429s and Gong's pace), ``replies``, ``known_ids`` (what a target
serves) and ``app_loading``; ``schedule`` (what runs within the budget), ``schema`` (the
spec as schemathesis sees it), ``invariants`` and ``expect`` (named checks), ``filters``
(the list call's filter), ``drift`` (what answers say that the spec does not),
``outcome`` (exit statuses).
"""
