"""Provenance for results files: the command, commit, device and versions behind a number."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version

import jax
import jaxlib
import numpy as np

from praxis_jax.kernels.dispatch import kernels


def git_commit() -> str | None:
    """HEAD of the repository holding this package, or None outside a git checkout."""
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True, cwd=here, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model() -> str | None:
    """The CPU's model name as Linux reports it (``/proc/cpuinfo``), or None where it cannot be read."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def provenance() -> dict:
    """``command``, ``git_commit``, ``device`` (platform, kind, cores, machine, the CPU's model name) and
    ``versions``."""
    dev = jax.devices()[0]
    return {
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "git_commit": git_commit(),
        "device": {"platform": dev.platform, "kind": dev.device_kind, "cpu_count": os.cpu_count(),
                   "machine": platform.machine(), "processor": platform.processor() or None,
                   "cpu_model": cpu_model()},
        "versions": {"python": platform.python_version(), "jax": jax.__version__, "jaxlib": jaxlib.__version__,
                     "praxis_jax": version("praxis_jax"), "numpy": np.__version__},
    }


def int8_contract(weight_dither: str = "hash") -> dict:
    """What an int8 run's codes depend on besides its seed and code: the rounding contract (``"one-draw"``:
    one hash per edge per tick rounds both e and W), W's dither (QuantConfig.weight_dither) and the
    kernels that ran (:func:`praxis_jax.kernels.dispatch.kernels`; with the Weyl dither the learning
    phases run unfused whatever it says)."""
    return {"rounding": "one-draw", "weight_dither": weight_dither, "kernels": kernels()}


def write_json(path: str, record: dict) -> None:
    """Write ``record`` to ``path`` atomically (a temporary file renamed into place)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, path)
