"""Free memory of this process's devices (checked before allocating organoids and building graphs)."""

from __future__ import annotations

import os

import jax


def available_bytes() -> int:
    """Memory of this process's first device: the accelerator's limit, or the host's available RAM on CPU
    (a local device: under ``jax.distributed`` the first global device may belong to another process)."""
    stats = jax.local_devices()[0].memory_stats() or {}
    if "bytes_limit" in stats:
        return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
