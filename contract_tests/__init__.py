"""The contract suite of ``POST /v2/tasks``: one pytest suite for the mock in-process, any
base URL, and the real Gong API (run it with ``gong-tasks contract`` or
``pytest --pyargs contract_tests``). Also home of the pytest plugin and the mutants that
prove the suite catches broken servers.
"""
