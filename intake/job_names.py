"""The jobs the intake asks for, by the dotted name rq finds them under (`worker.jobs`). The
intake names them and never imports the worker: the job queue resolves a name when it runs it."""

from __future__ import annotations

PROCESS_INBOUND = "worker.jobs.process_inbound"
SEND_MESSAGE = "worker.jobs.send_message"
ANSWER_CALLBACK = "worker.jobs.answer_callback"
RECOVER = "worker.jobs.recover"
# Due rows of the transactional schedule to the queue (intake.schedule).
MOVE_SCHEDULED = "worker.jobs.move_scheduled"
REMIND = "worker.jobs.remind"
FOLLOW_UP = "worker.jobs.follow_up"
CHECK_IN = "worker.jobs.check_in"
ESCALATE = "worker.jobs.escalate"
# The safety question went unanswered (intake.services.safety_timeout).
SAFETY_TIMEOUT = "worker.jobs.safety_timeout"
# Retention: the words of cases closed long enough are erased (intake.retention), daily.
ERASE_EXPIRED = "worker.jobs.erase_expired"

ALL = (
    PROCESS_INBOUND,
    SEND_MESSAGE,
    ANSWER_CALLBACK,
    RECOVER,
    MOVE_SCHEDULED,
    REMIND,
    FOLLOW_UP,
    CHECK_IN,
    ESCALATE,
    SAFETY_TIMEOUT,
    ERASE_EXPIRED,
)
