"""Makes a session host process die with the owner thread that started it.

The owner thread may be terminated (a wedge) or its whole Node process killed (even by SIGKILL): a host that
outlived it would go on holding, and perhaps writing, a store file or a Chroma directory that the path lock
(which died with the Node process) now lets another process open. Linux sends the requested signal when the
thread that started the process ends; the parent is checked afterwards, in case it already has."""

import ctypes
import os
import signal


def die_with_parent():
    parent = int(os.environ.get("SESSION_EXECUTOR_PARENT_PID", "0"))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the owner's SIGKILL on termination is the only guard
        pass
    if parent and os.getppid() != parent:
        os._exit(1)
