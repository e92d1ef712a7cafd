"""Property-based fuzzing of user input: config files, sweep values and constructor arguments either give a
valid result or a clear error (ConfigFileError / ValueError with a message), never another exception."""

import json
import math

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import praxis_jax as px
from praxis_jax.app import configfile
from praxis_jax.app.configfile import RunConfig
from praxis_jax.config import TrainConfig
from praxis_jax.learning import sweep
from praxis_jax.state import Hyper
from praxis_jax.tasks import Dataset
from praxis_jax.topology import KINDS, Topology, choose_topology, singer

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMBERS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, -1, 7, 100, 2**31, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 1.0, -0.0, 1e-30, 1e30, math.nan, math.inf]),
)
VALUES = st.one_of(NUMBERS, st.booleans(), st.text(max_size=8), st.lists(NUMBERS, max_size=3))


def _keys(section: str) -> list[str]:
    if section == "topology":
        return list(configfile.TOPOLOGY_KEYS)
    if section == "sweep":
        return ["seeds", *Hyper._fields]
    cls = {"run": RunConfig, "train": TrainConfig, **configfile.ORGANOID_SECTIONS}[section]
    return list(configfile._allowed(cls))


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


@st.composite
def config_files(draw) -> str:
    lines = []
    for section in draw(st.lists(st.sampled_from([*configfile.SECTIONS, "organoid"]), unique=True, max_size=4)):
        lines.append(f"[{section}]")
        keys = _keys(section) if section in configfile.SECTIONS else ["n"]
        for key in draw(st.lists(st.one_of(st.sampled_from(keys), st.just("sede")), unique=True, max_size=3)):
            lines.append(f"{key} = {_toml(draw(VALUES))}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(config_files())
def test_a_config_file_loads_or_is_refused_naming_the_file(text):
    try:
        spec = configfile.loads(text, "fuzz.toml")
    except configfile.ConfigFileError as err:
        assert str(err).startswith("fuzz.toml: ")
        return
    assert configfile.loads(configfile.dump(spec)) == spec  # what loads is valid and round-trips


CFG = px.PraxisConfig(network=px.NetworkConfig(topology=singer(7)))


@FUZZ
@given(st.sampled_from(Hyper._fields), st.lists(NUMBERS, max_size=3), st.integers(-2, 3))
def test_sweep_values_pass_their_fields_checks_or_are_refused(field, values, seeds):
    try:
        hypers, seed_ids, rows = sweep.grid(CFG, seeds, **{field: values})
    except ValueError as err:
        assert f"sweep.grid.{field}" in str(err) or "seeds" in str(err)
        return
    assert len(rows) == len(values) * seeds and seed_ids.shape == (len(rows),)
    assert bool(jax.numpy.isfinite(getattr(hypers, field)).all())


@FUZZ
@given(st.one_of(st.sampled_from(KINDS), st.text(max_size=6)),
       st.one_of(st.integers(-10, 3000), st.sampled_from([2**31, 2**62, 10**12]), st.floats(), st.text(max_size=3)),
       st.one_of(st.floats(), st.integers(-3, 6), st.booleans(), st.none()))
def test_choose_topology_builds_or_refuses_clearly(kind, n, k):
    try:
        topo = choose_topology(kind, n, k)
    except ValueError as err:
        assert "must" in str(err) or "needs" in str(err)
        return
    assert isinstance(topo, Topology) and 2 <= topo.degree < topo.n


@pytest.mark.parametrize("bad", [1e10, "1000", None, True])
def test_choose_topology_refuses_a_size_that_is_not_an_int(bad):
    with pytest.raises(ValueError, match=r"choose_topology.n must be an int >= 7; got"):
        choose_topology("singer", bad)


ARRAYS = hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
                    hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4))


@FUZZ
@given(ARRAYS, ARRAYS, ARRAYS, ARRAYS, st.one_of(st.none(), st.integers(-2, 6)))
def test_dataset_from_arrays_builds_a_checked_dataset_or_refuses(x, y, xt, yt, n_classes):
    try:
        d = Dataset.from_arrays(x, y, xt, yt, n_classes)
    except ValueError as err:
        assert "Dataset.from_arrays" in str(err)
        return
    assert d.x_train.ndim == 3 and d.x_train.dtype == np.float32 and np.isfinite(d.x_train).all()
    assert d.y_train.shape == (d.x_train.shape[0],) and 0 <= d.y_train.min() <= d.y_train.max() < d.n_classes


ARGS = st.one_of(st.integers(-5, 400), st.sampled_from([2**31, 10**10]), st.floats(), st.text(max_size=3), st.none(),
                 st.booleans(), st.tuples(st.integers(-3, 40)))


@FUZZ
@given(st.sampled_from(["random_circulant", "primitive_root_circulant", "Circulant", "StoredIndex", "LPS",
                        "singer"]), ARGS, ARGS)
def test_topology_constructors_build_or_refuse_with_a_value_error(name, a, b):
    from praxis_jax.topology import LPS, StoredIndex, circulant

    make = {"random_circulant": lambda: circulant.random_circulant(a, b),
            "primitive_root_circulant": lambda: circulant.primitive_root_circulant(a, b),
            "Circulant": lambda: circulant.Circulant(num=a, offsets=b, name="fuzz"),
            "StoredIndex": lambda: StoredIndex(base=a),
            "LPS": lambda: LPS(ps=a, q=b),
            "singer": lambda: singer(a, b)}[name]
    try:
        topo = make()
    except ValueError as err:
        assert "must" in str(err) or "no generator" in str(err)
        return
    assert isinstance(topo, Topology) and 2 <= topo.degree < topo.n
