"""Stop a long run cleanly on SIGINT or SIGTERM: finish the current step, save, then exit.

Inside :func:`deferred_stop` the first SIGINT (Ctrl-C, or Jupyter's interrupt button) or SIGTERM (a job
scheduler) only records the signal; the run checks :attr:`Stop.signum` after each checkpoint and raises
:class:`Stopped`. A second SIGINT raises ``KeyboardInterrupt`` at once (the previous checkpoint stays
intact: checkpoints are written atomically). Outside the main thread signals cannot be caught, and the
context does nothing.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading


class Stopped(Exception):
    """Raised by a run that saved and stopped on a signal; ``signum`` and the last saved ``step``."""

    def __init__(self, signum: int, step: int):
        super().__init__(f"stopped by {signal.Signals(signum).name} after step {step}")
        self.signum, self.step = signum, step

    @property
    def exit_code(self) -> int:
        """The shell convention for death by a signal: 128 + its number."""
        return 128 + self.signum


class Stop:
    """The signal received so far, or None."""

    signum: int | None = None

    def check(self, step: int) -> None:
        """Raise :class:`Stopped` if a signal came (call right after saving ``step``)."""
        if self.signum is not None:
            raise Stopped(self.signum, step)


@contextlib.contextmanager
def deferred_stop():
    """Context in which SIGINT/SIGTERM set ``Stop.signum`` instead of killing the process."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        if stop.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.signum = signum
        print(f"\n{signal.Signals(signum).name}: finishing this step, saving a checkpoint, then stopping "
              "(Ctrl-C again stops at once)", file=sys.stderr, flush=True)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in old.items():
            signal.signal(s, h)
