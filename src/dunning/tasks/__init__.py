"""Work for people: tasks in queues with priorities, due times, owners, notes and outcomes.

Owns ``tasks`` and ``task_notes``. Who opens a task (a reply's action, an escalation rule) and what
closing one does (release a hold, record a promise) is composed in :mod:`dunning.flows`.
"""

from dunning.tasks.repository import OUTCOMES, STATUSES, NoteRecord, TaskRecord

__all__ = ["OUTCOMES", "STATUSES", "NoteRecord", "TaskRecord"]
