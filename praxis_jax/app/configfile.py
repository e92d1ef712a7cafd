"""Run configs as TOML files, section by section one-to-one onto the typed configs.

    [run]          RunConfig           task, seed, n_train, keep
    [topology]     choose_topology     kind, n, k
    [network]      NetworkConfig       every field but topology and n_inputs (the task sets it)
    [plasticity]   PlasticityConfig
    [homeostasis]  HomeostasisConfig
    [quant]        QuantConfig
    [train]        TrainConfig
    [sweep]        praxis sweep only: seeds = S, and Hyper field = [values] for each swept field

Every section and key may be left out. The organoid starts from the task preset
(:func:`praxis_jax.app.presets.task_organoid`: homeostasis off, plasticity on unless the modulator
is none, the rule's settings from RULES, one W update per trial) and the file's keys replace its fields;
the trainer's own checks (:func:`praxis_jax.learning.supervised.check_trainer`) run on the result. An unknown section
or key, a value of the wrong type or out of range (the config's own check), and a swept value its field's
check refuses raise :class:`ConfigFileError` naming the file, the section and the key. All of this happens
before any data is loaded or anything is compiled. :func:`dump` writes the resolved spec back as TOML (a
run folder keeps it as ``config.toml``, which ``praxis resume`` reads).
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path

import equinox as eqx

from praxis_jax.app.presets import task_organoid
from praxis_jax.config import (
    HomeostasisConfig,
    NetworkConfig,
    PlasticityConfig,
    PraxisConfig,
    QuantConfig,
    TrainConfig,
)
from praxis_jax.learning.supervised import check_trainer
from praxis_jax.learning.sweep import MAX_CONFIGURATIONS, configurations, refused_value
from praxis_jax.state import Hyper
from praxis_jax.tasks.registry import TASKS, is_task, task_shape
from praxis_jax.validation import check_integer, fail

ORGANOID_SECTIONS = {"network": NetworkConfig, "plasticity": PlasticityConfig,
                     "homeostasis": HomeostasisConfig, "quant": QuantConfig}
SECTIONS = ("run", "topology", *ORGANOID_SECTIONS, "train", "sweep")
TOPOLOGY_KEYS = {"kind": "str", "n": "int", "k": "float"}
SET_ELSEWHERE = {"network": ("topology", "n_inputs")}


class RunConfig(eqx.Module):
    """What a ``praxis run`` trains on and how it is kept (the ``[run]`` section of a config file).

    Fields: task (a name in :data:`praxis_jax.tasks.registry.TASKS`, or ``"file:PATH"``: a user's ``.npz`` with arrays x_train, y_train, x_test,
    y_test and optionally n_classes, checked by :meth:`praxis_jax.tasks.Dataset.from_arrays`), seed (of init, learner and data order), n_train (use only the first
    n_train training trials; None = all, for quick runs), keep (checkpoints kept, newest first),
    checkpoint_every (epochs between checkpoints; the last epoch, and one a signal stops, always save).
    Epochs are the chunks of a run: the data order of an epoch comes from the learner's key, so a run
    resumed at an epoch boundary continues exactly.
    """

    task: str = eqx.field(static=True, default="mnist1d")
    seed: int = eqx.field(static=True, default=0)
    n_train: int | None = eqx.field(static=True, default=None)
    keep: int = eqx.field(static=True, default=3)
    checkpoint_every: int = eqx.field(static=True, default=1)

    def __check_init__(self):
        o = "RunConfig"
        if not is_task(self.task):
            fail(o, "task", self.task, f"one of {tuple(TASKS)} or 'file:PATH' (an .npz of x_train, y_train, x_test, "
                 "y_test)")
        check_integer(o, "seed", self.seed, 0, 2**32 - 1)
        if self.n_train is not None:
            check_integer(o, "n_train", self.n_train, 1)
        check_integer(o, "keep", self.keep, 1)
        check_integer(o, "checkpoint_every", self.checkpoint_every, 1)


class ConfigFileError(ValueError):
    """A config file names an unknown section or key, or gives a value of the wrong type."""


class RunSpec(typing.NamedTuple):
    """A resolved config file: the typed configs plus the topology request and the sweep grid."""

    run: RunConfig
    topology: dict
    praxis: PraxisConfig
    train: TrainConfig
    sweep: dict | None


def _allowed(cls) -> dict[str, str]:
    return {f.name: f.type for f in dataclasses.fields(cls)}


def _type_ok(value, annotation: str) -> bool:
    if value is None:
        return False  # TOML has no null; a missing key means the default
    kinds = [a.strip() for a in annotation.split("|") if a.strip() != "None"]
    for kind in kinds:
        if kind == "bool" and isinstance(value, bool):
            return True
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if (kind == "str" or kind.startswith("Literal")) and isinstance(value, str):
            return True
    return False


def _section(path: str, name: str, table, allowed: dict[str, str]) -> dict:
    if not isinstance(table, dict):
        raise ConfigFileError(f"{path}: [{name}] must be a table of keys; got {table!r}")
    for key, value in table.items():
        if key in SET_ELSEWHERE.get(name, ()):
            raise ConfigFileError(f"{path}: [{name}] {key} cannot be set here (the [topology] section or the "
                                  f"task sets it)")
        if key not in allowed:
            raise ConfigFileError(f"{path}: unknown key [{name}] {key!r}; allowed: {', '.join(sorted(allowed))}")
        if not _type_ok(value, allowed[key]):
            raise ConfigFileError(f"{path}: [{name}] {key} must be of type {allowed[key]}; got {value!r}")
    return dict(table)


def _sweep(path: str, table, praxis: PraxisConfig) -> dict:
    if not isinstance(table, dict):
        raise ConfigFileError(f"{path}: [sweep] must be a table of keys; got {table!r}")
    out = {"seeds": table.get("seeds", 1)}
    if not _type_ok(out["seeds"], "int") or out["seeds"] < 1:
        raise ConfigFileError(f"{path}: [sweep] seeds must be an int >= 1; got {out['seeds']!r}")
    for key, values in table.items():
        if key == "seeds":
            continue
        if key not in Hyper._fields:
            raise ConfigFileError(f"{path}: unknown key [sweep] {key!r}; allowed: seeds, {', '.join(Hyper._fields)}")
        if not (isinstance(values, list) and values and all(_type_ok(v, "float") for v in values)):
            raise ConfigFileError(f"{path}: [sweep] {key} must be a non-empty list of numbers; got {values!r}")
        out[key] = [float(v) for v in values]
    values = {k: v for k, v in out.items() if k != "seeds"}
    refused = refused_value(praxis, values)
    if refused is not None:
        key, v, err = refused
        raise ConfigFileError(f"{path}: [sweep] {key} = {v!r}: {_in_file_terms(err)}")
    total = configurations(out["seeds"], values)
    if total > MAX_CONFIGURATIONS:
        raise ConfigFileError(f"{path}: [sweep] makes {total:,} configurations; at most {MAX_CONFIGURATIONS:,}")
    return out


def loads(text: str, path: str = "<string>", n: int | None = None, epochs: int | None = None) -> RunSpec:
    """Parse and validate a config file's text (``path`` is only used in messages); ``n`` and ``epochs``,
    when given, replace ``[topology] n`` and ``[train] epochs`` (the command line's overrides)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigFileError(f"{path}: not valid TOML: {err}") from err
    for section, key, value in (("topology", "n", n), ("train", "epochs", epochs)):
        if value is not None and isinstance(raw.setdefault(section, {}), dict):
            raw[section][key] = value
    unknown = set(raw) - set(SECTIONS)
    if unknown:
        raise ConfigFileError(f"{path}: unknown section(s) {sorted(unknown)}; allowed: {', '.join(SECTIONS)}")
    try:
        run = RunConfig(**_section(path, "run", raw.get("run", {}), _allowed(RunConfig)))
        train = TrainConfig(**_section(path, "train", raw.get("train", {}), _allowed(TrainConfig)))
        topology = {"kind": "singer", "n": 1000, "k": 2.0,
                    **_section(path, "topology", raw.get("topology", {}), TOPOLOGY_KEYS)}
        inputs, ticks = task_shape(run.task)
        preset = task_organoid(topology["n"], inputs, train.modulator, k=topology["k"], kind=topology["kind"],
                               ticks=ticks)
        parts = {name: dataclasses.replace(getattr(preset, name),
                                           **_section(path, name, raw.get(name, {}), _allowed(cls)))
                 for name, cls in ORGANOID_SECTIONS.items()}
        praxis = PraxisConfig(**parts)
        check_trainer(praxis, train, ticks)
    except ConfigFileError:
        raise
    except (ValueError, TypeError) as err:
        raise ConfigFileError(f"{path}: {_in_file_terms(err)}") from err
    sweep = _sweep(path, raw["sweep"], praxis) if "sweep" in raw else None
    return RunSpec(run, topology, praxis, train, sweep)


# the owner a config check names ("PlasticityConfig.lr must be …") -> the file's section
SECTION_OF = {"RunConfig": "run", "TrainConfig": "train", "choose_topology": "topology",
              **{cls.__name__: name for name, cls in ORGANOID_SECTIONS.items()}}


def _in_file_terms(err: Exception) -> str:
    """A config check's message with ``Owner.field`` written as the file's ``[section] field``."""
    owner, dot, rest = str(err).partition(".")
    field, space, tail = rest.partition(" ")
    return f"[{SECTION_OF[owner]}] {field} {tail}" if dot and space and owner in SECTION_OF else str(err)


def load(path: str | Path, n: int | None = None, epochs: int | None = None) -> RunSpec:
    """Read and validate a TOML config file (see the module docstring; ``n``, ``epochs``: see :func:`loads`)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigFileError(f"{p}: no such config file")
    return loads(p.read_text(), str(p), n, epochs)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def dump(spec: RunSpec) -> str:
    """The spec as TOML with every field written out; ``loads(dump(spec))`` gives the same spec."""
    sections = {"run": _fields(spec.run), "topology": spec.topology}
    for name in ORGANOID_SECTIONS:
        sections[name] = {k: v for k, v in _fields(getattr(spec.praxis, name)).items()
                          if k not in SET_ELSEWHERE.get(name, ())}
    sections["train"] = _fields(spec.train)
    if spec.sweep is not None:
        sections["sweep"] = spec.sweep
    lines = ["# praxis run config (resolved: every field written out)"]
    for name, table in sections.items():
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"


def _fields(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
