"""Many devices with ``jax.sharding``: neurons split over a mesh, or a sweep's organoids split over it.

Neuron sharding: every array with a neuron axis of size N — W, e and a stored index table ``(D, N)``,
a, b and the homeostasis statistics ``(N,)``, U ``(K, N)`` — is split along that axis over the mesh
axis ``"neurons"``; everything else (hyperparameters, tick, PRNG key) is replicated. ``simulate`` is
unchanged: :func:`sharded_simulate` jits it with these shardings and traces it with the mesh set, so the
topology all-gathers the int8 activations once per tick (N bytes, the only per-tick traffic) and each
device then gathers its neighbours locally (``jax.shard_map`` on each device's block of neurons). Random
numbers are partitionable (``jax_threefry_partitionable``, the default) and the hash of stochastic
rounding is indexed by global position, so a sharded run of a circulant equals the single-device run bit
for bit, int8 and float32 (tested over 200 ticks with learning and homeostasis on 4 and 8 CPU devices).
LPS graphs' per-neuron float arithmetic (the bias and homeostasis statistics, and in float32 the sum
over edges) runs outside the per-block code and is fused differently once partitioned, so it differs in
the last bits: float32 by at most 1.2e-5 after 200 ticks in the test; in int8 each tick from the same
state gives the same codes (tested over 200 ticks), but the float statistics drift apart in the last
bits and one activation at a rounding boundary eventually differs (at tick ~97 of the 8-device test
organoid with the segmented eligibility code, between 400 and 800 with the continuous one), after
which the two runs diverge as two float orderings of a chaotic network do. The same holds across processes joined by ``jax.distributed`` (a mesh over the global
devices; tested with two processes on localhost and gloo CPU collectives).

Sweep sharding: the leading configuration axis of :func:`praxis_jax.learning.sweep.sweep_init`'s batch over the
mesh axis ``"configs"``; each device trains its own organoids, and nothing moves between them. Results
equal the unsharded sweep to float rounding (XLA rounds vmapped float32 work differently for different
batch sizes per device).

Arrays are split evenly, so N (or the number of configurations) must be a multiple of the device count.
Singer sizes N = m² + m + 1 are odd: shard LPS graphs (N = q(q² − 1)/2 is a multiple of 4), or
primitive-root or random circulants, which take any N. Under neuron sharding int8 circulants run the
native CPU kernels (propagation and the fused learning pass) on each device's block
(:mod:`praxis_jax.kernels.dispatch`); on GPUs and for LPS graphs the blocks run the pure-JAX form.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from praxis_jax.topology.base import NEURONS

CONFIGS = "configs"


def mesh(axis: str = NEURONS, devices=None) -> Mesh:
    """A one-axis mesh named ``axis`` over ``devices`` (default: all of them)."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.array(devices), (axis,))


def _neuron_spec(leaf, n: int) -> PartitionSpec:
    shape = getattr(leaf, "shape", ())  # the neuron axis is always last: (N,), (D, N), (K, N)
    if len(shape) and shape[-1] == n:
        return PartitionSpec(*([None] * (len(shape) - 1)), NEURONS)
    return PartitionSpec()


def neuron_shardings(tree, n: int, mesh: Mesh):
    """NamedShardings for every leaf of ``tree``: its neuron axis (size ``n``) split over ``mesh``."""
    p = mesh.shape[NEURONS]
    if n % p:
        raise ValueError(f"neuron sharding needs N divisible by the {p} devices of the mesh; got N={n}. "
                         "Singer sizes are odd: use an LPS graph or a primitive-root/random circulant")
    return jax.tree.map(lambda leaf: NamedSharding(mesh, _neuron_spec(leaf, n)), tree)


def shard_neurons(tree, n: int, mesh: Mesh):
    """``tree`` (Params, State, ...) placed on ``mesh`` with its neuron axes split."""
    return jax.device_put(tree, neuron_shardings(tree, n, mesh))


def sharded_simulate(params, state, mesh: Mesh):
    """``simulate`` jitted for ``params`` and ``state`` sharded over ``mesh`` (the state donated), traced
    and run with ``mesh`` set: the topology then gathers the activations once per tick and each device
    works on its own block of neurons (:func:`praxis_jax.topology.base.neuron_mesh`)."""
    from praxis_jax.simulate import simulate

    n = params.config.network.n
    ps, ss = neuron_shardings(params, n, mesh), neuron_shardings(state, n, mesh)
    rep = NamedSharding(mesh, PartitionSpec())
    jitted = jax.jit(simulate, in_shardings=(ps, ss, rep, rep), out_shardings=(ss, rep), donate_argnums=1)

    def run(params, state, xs, modulators):
        with jax.set_mesh(mesh):
            return jitted(params, state, xs, modulators)

    return run


def shard_configs(tree, mesh: Mesh):
    """A sweep's batch (leading axis S on every leaf) split over the mesh axis ``"configs"``."""
    p = mesh.shape[CONFIGS]
    sizes = {leaf.shape[0] for leaf in jax.tree.leaves(tree)}
    if any(s % p for s in sizes):
        raise ValueError(f"config sharding needs the number of configurations divisible by the {p} devices; "
                         f"got {sorted(sizes)}")
    return jax.device_put(tree, jax.tree.map(
        lambda leaf: NamedSharding(mesh, PartitionSpec(CONFIGS, *([None] * (leaf.ndim - 1)))), tree))
