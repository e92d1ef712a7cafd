"""Checkpoints of long runs with orbax: atomic, the last few kept, config-checked, corruption-tolerant.

A checkpoint at step s is the directory ``<dir>/<s>/`` written by ``orbax.checkpoint.CheckpointManager``
(which writes into a temporary directory and renames it into place, so a save killed half-way leaves no
step behind). It holds two items: ``state``, any pytree of arrays (a Learner, a State, an optimizer state),
and ``meta``, JSON: the flattened config (:func:`config_fields`) and whatever the caller adds (epoch,
history, ...). One sha256 digest covers the arrays and the rest of ``meta``, so any altered byte of either
is detected. :func:`restore_latest` refuses a checkpoint of a different config, listing the differences,
and skips a corrupt, truncated or altered step with a warning naming it, falling back to the newest good
one; the skipped steps newer than it are moved to ``<dir>.damaged/`` (kept for inspection, out of the way
of the next saves).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings

import jax
import numpy as np
import orbax.checkpoint as ocp


class ConfigMismatch(ValueError):
    """A checkpoint was written under another config."""


def digest(state, meta: dict | None = None) -> str:
    """sha256 over every leaf's dtype, shape and bytes and over ``meta`` as canonical JSON (detects a
    damaged or altered checkpoint orbax would read)."""
    h = hashlib.sha256()
    for leaf in jax.tree.leaves(state):
        a = np.asarray(leaf)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(json.dumps(meta or {}, sort_keys=True).encode())
    return h.hexdigest()


def config_fields(config) -> dict[str, str]:
    """Flatten a (nested) config of dataclasses, NamedTuples and dicts into ``{"network.leak": "0.2", ...}``
    (values as repr strings)."""
    out: dict[str, str] = {}

    def walk(obj, prefix):
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
        elif isinstance(obj, tuple) and hasattr(obj, "_asdict"):
            items = obj._asdict().items()
        elif isinstance(obj, dict):
            items = obj.items()
        else:
            out[prefix[:-1]] = repr(obj)
            return
        for name, value in items:
            walk(value, f"{prefix}{name}.")

    walk(config, "")
    return out


def _manager(directory: str, keep: int, asynchronous: bool = False) -> ocp.CheckpointManager:
    options = ocp.CheckpointManagerOptions(max_to_keep=keep, enable_async_checkpointing=asynchronous)
    return ocp.CheckpointManager(os.path.abspath(directory), options=options, item_names=("state", "meta"))


class Checkpointer:
    """Saves of one run into ``directory``, the last ``keep`` kept; a context manager.

    With ``asynchronous=True`` (orbax's async checkpointing) :meth:`save` returns once the arrays are on the
    host and the files are written by a background thread while training goes on; the next save, and
    leaving the context, wait for it. A step becomes visible only when complete, either way.
    """

    def __init__(self, directory: str, keep: int = 3, asynchronous: bool = True):
        self._mngr = _manager(directory, keep, asynchronous)

    def save(self, step: int, state, config, meta: dict | None = None) -> None:
        """Save ``state`` (pytree of arrays) and ``meta`` (JSON-able dict) as step ``step``."""
        if not (isinstance(step, int) and step >= 0):
            raise ValueError(f"checkpoint.save.step must be an int >= 0; got {step!r}")
        meta = {"config": config_fields(config), **(meta or {})}
        meta["digest"] = digest(state, meta)
        self._mngr.wait_until_finished()
        self._mngr.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(state),
                                                      meta=ocp.args.JsonSave(meta)))

    def wait(self) -> None:
        """Block until every save has been written."""
        self._mngr.wait_until_finished()

    def __enter__(self) -> "Checkpointer":
        return self

    def __exit__(self, *exc) -> None:
        self._mngr.wait_until_finished()
        self._mngr.close()


def save(directory: str, step: int, state, config, meta: dict | None = None, keep: int = 3) -> None:
    """Save ``state`` and ``meta`` as step ``step`` of ``directory`` and wait until written (one-off saves)."""
    with Checkpointer(directory, keep, asynchronous=False) as ck:
        ck.save(step, state, config, meta)


def steps(directory: str) -> list[int]:
    """The saved steps, oldest first ([] if the directory does not exist)."""
    if not os.path.isdir(directory):
        return []
    with _manager(directory, 1_000_000) as mngr:
        return sorted(mngr.all_steps())


def restore_latest(directory: str, like, config) -> tuple[int, object, dict] | None:
    """Newest good checkpoint as ``(step, state, meta)``, or None if there is none.

    ``like`` is a pytree with the state's structure, shapes and dtypes (e.g. a fresh Learner). Raises
    :class:`ConfigMismatch` (a ValueError) listing the differing fields if the newest readable checkpoint
    has another config. A step that cannot be read, or whose data no longer match their digest, is
    skipped with a warning naming it.
    """
    want = config_fields(config)
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like)
    damaged, found = [], None
    with _manager(directory, 1_000_000) as mngr:
        for step in sorted(mngr.all_steps(), reverse=True):
            try:
                got = mngr.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))["meta"]
                diff = {k: (got["config"].get(k), v) for k, v in want.items() if got["config"].get(k) != v}
                diff.update({k: (v, None) for k, v in got["config"].items() if k not in want})
                if diff:
                    lines = "; ".join(f"{k}: checkpoint {a} vs now {b}" for k, (a, b) in sorted(diff.items()))
                    raise ConfigMismatch(f"checkpoint step {step} in {directory} has another config: {lines}")
                state = mngr.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract)))["state"]
                if digest(state, {k: v for k, v in got.items() if k != "digest"}) != got.get("digest"):
                    raise OSError(f"step {step}: data or metadata do not match the digest written with them")
                found = step, state, got
                break
            except ConfigMismatch:
                raise
            except Exception as err:  # noqa: BLE001 - orbax raises many kinds for a damaged step
                damaged.append(step)
                warnings.warn(f"checkpoint step {step} in {directory} is unreadable ({type(err).__name__}: "
                              f"{str(err)[:200]}); moved to {directory}.damaged/, falling back to an older step",
                              stacklevel=2)
    for step in damaged:  # out of the way: orbax would skip every save at or below the newest step
        os.makedirs(f"{directory}.damaged", exist_ok=True)
        os.replace(os.path.join(directory, str(step)), os.path.join(f"{directory}.damaged", str(step)))
    return found

