"""Background jobs the API starts (portfolio uploads, send runs): their state, progress and result."""

from dunning.jobs.repository import (
    JobRecord,
    create_job,
    finish_job,
    get_job,
    list_jobs,
    set_progress,
    start_job,
)

__all__ = ["JobRecord", "create_job", "finish_job", "get_job", "list_jobs", "set_progress", "start_job"]
