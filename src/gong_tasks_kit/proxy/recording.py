"""``--record FILE``: the tasks seen in the target's successful list answers, kept in the
format ``serve --data`` reads, so a recording of real traffic replays as a mock; and the
sequence of the target's answers per operation (``answers``, see ``answer_log``), which
``serve --replay FILE`` answers again call by call.

Each task is kept once, as last seen, in the order first seen. Its workspace is the one
the request's filter named (``workspaceId``, the mock's extension), and stays known when
a later call names none; a task only ever seen without one belongs to no workspace.
Credentials a target might echo are removed, ``--anonymize`` replaces the people in it,
and a task that breaks the spec (which ``serve --data`` would refuse) is left out and
counted. The file is rewritten whole, atomically, soon after each change and on exit.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson

from gong_tasks_kit.proxy.anonymize import Anonymizer
from gong_tasks_kit.proxy.answer_log import AnswerLog
from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.files import FileKeeper
from gong_tasks_kit.proxy.forward import TargetReply
from gong_tasks_kit.serving.bounds import printable
from gong_tasks_kit.serving.recorded_answers import ANSWERS_KEY
from gong_tasks_kit.serving.task_documents import (
    WORKSPACE_KEY,
    SourceTask,
    TaskDocument,
    check_task,
    crm_types,
)

logger = logging.getLogger("gong_tasks_kit.proxy")


def _filter_workspace(request_body: bytes) -> str | None:
    try:
        document = orjson.loads(request_body)
    except orjson.JSONDecodeError:
        return None
    task_filter = document.get("filter") if isinstance(document, dict) else None
    workspace = task_filter.get("workspaceId") if isinstance(task_filter, dict) else None
    return workspace if isinstance(workspace, str) and workspace else None


class Recording:
    """The tasks recorded so far, and the file that holds them."""

    def __init__(
        self, path: str, credentials: CredentialFilter, anonymizer: Anonymizer | None = None
    ) -> None:
        """Start empty (the file is written at the first recorded task).

        Args:
            path: The recording's file.
            credentials: Removes the credentials seen from what is recorded.
            anonymizer: Replaces the people in each task, when given.
        """
        self._credentials = credentials
        self._anonymizer = anonymizer
        self._lock = threading.Lock()
        self._tasks: dict[int, SourceTask] = {}
        # With --anonymize, each task as the target sent it (credentials removed), to do
        # again when a name it holds is met later, in another task.
        self._originals: dict[int, tuple[Any, str | None]] = {}
        self._crm_type: str | None = None
        self.skipped = 0
        self.answers = AnswerLog(credentials)
        self.keeper = FileKeeper(path, self.to_json)

    @property
    def task_count(self) -> int:
        """How many tasks are recorded."""
        return len(self._tasks)

    def _prepared(self, task: Any, workspace: str | None) -> SourceTask | None:
        cleaned = self._credentials.scrub(task)
        if self._anonymizer is not None and isinstance(cleaned, dict):
            cleaned = self._anonymizer.task(cleaned)
        if isinstance(cleaned, dict) and workspace is not None:
            cleaned = {**cleaned, WORKSPACE_KEY: workspace}
        try:
            return check_task(cleaned)
        except ValueError as error:
            field = str(error).split(":", 1)[0]  # the field only: values stay out of logs
            logger.warning("not recorded: a task that breaks the spec (%s)", printable(field))
            return None

    def observe(self, request_body: bytes, reply: TargetReply) -> int:
        """Record the tasks of one successful list answer; return how many it held.

        Args:
            request_body: The caller's request (its filter names the workspace).
            reply: The target's answer (only a 200 with a ``tasks`` array is recorded).
        """
        if reply.status != 200:
            return 0
        try:
            answer = orjson.loads(reply.body)
        except orjson.JSONDecodeError:
            return 0
        tasks = answer.get("tasks") if isinstance(answer, dict) else None
        if not isinstance(tasks, list):
            return 0
        workspace = _filter_workspace(request_body)
        names_known = self._learn(tasks)
        recorded = 0
        for task in tasks:
            task_id = task.get("id") if isinstance(task, dict) else None
            with self._lock:
                known = self._tasks.get(task_id) if isinstance(task_id, int) else None
            prepared = self._prepared(task, workspace or (known.workspace_id if known else None))
            with self._lock:
                if prepared is None:
                    self.skipped += 1
                    continue
                self._tasks[prepared.task["id"]] = prepared
                if self._anonymizer is not None:
                    self._originals[prepared.task["id"]] = (task, prepared.workspace_id)
                recorded += 1
        self._revisit(names_known, {id(task) for task in tasks})
        crm_type = answer.get("crmType")
        with self._lock:
            if crm_type in crm_types():
                self._crm_type = crm_type
        if recorded:
            self.keeper.changed()
        return recorded

    def observe_answer(self, operation_id: str, reply: TargetReply, started: float) -> None:
        """Keep the target's answer to one call, in order (see ``answer_log``).

        Args:
            operation_id: The operation called.
            reply: The target's answer, whatever its status.
            started: When the exchange began (``time.time()``).
        """
        self.answers.observe(operation_id, reply, started)
        self.keeper.changed()

    def _learn(self, tasks: list[Any]) -> int:
        """Let the anonymizer meet the names of a whole answer before any of its tasks is
        done (a flow's name may name another task's contact); return how many names it
        knew before."""
        if self._anonymizer is None:
            return 0
        known = self._anonymizer.names_known
        for task in tasks:
            self._anonymizer.learn(task)
        return known

    def _revisit(self, names_known: int, just_done: set[int]) -> None:
        """Do again the tasks recorded earlier that hold a name met only now."""
        if self._anonymizer is None:
            return
        new = [name.encode() for name in self._anonymizer.names_since(names_known)]
        if not new:
            return
        with self._lock:
            earlier = [
                (task_id, task, workspace)
                for task_id, (task, workspace) in self._originals.items()
                if id(task) not in just_done
            ]
        for task_id, task, workspace in earlier:
            text = orjson.dumps(task)
            if any(name in text for name in new):
                prepared = self._prepared(task, workspace)
                if prepared is not None:
                    with self._lock:
                        self._tasks[task_id] = prepared

    def to_json(self) -> bytes:
        """The recording's content: a Gong answer ``{"tasks": [...], "crmType": ...}``,
        plus the target's ``answers`` per operation once there are any."""
        with self._lock:
            document = TaskDocument(tuple(self._tasks.values()), self._crm_type)
        content = document.to_value()
        answers = self.answers.to_json_value()
        if answers:
            content[ANSWERS_KEY] = answers
        return orjson.dumps(content, option=orjson.OPT_INDENT_2) + b"\n"  # people may edit it
