"""A check plugged in through EXTRA_CHECKS by the crash test: it stalls on a marker text,
so the test can kill the worker while a task is in flight."""

import os
import time
from pathlib import Path


def sleepy(facts):
    if "SLOW-CHECK" in facts.text:
        Path(os.environ["SLOW_CHECK_MARKER"]).write_text("started")
        time.sleep(60)
    return ()
