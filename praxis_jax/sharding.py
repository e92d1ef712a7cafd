"""Many devices with ``jax.sharding``: neurons split over a mesh, or a sweep's organoids split over it.

Neuron sharding: every array with a neuron axis of N neurons — W, e and a stored index table ``(D, N)``, a,
b and the homeostasis statistics ``(N,)``, U ``(K, N)`` — is split along that axis (stored padded, below)
over the mesh axis ``"neurons"``; everything else (hyperparameters, tick, PRNG key) is replicated.
``simulate`` is unchanged: :func:`sharded_simulate` jits it with these shardings and traces it with the mesh
set, so the topology all-gathers the int8 activations once per tick (N bytes, the only per-tick traffic) and
each device then gathers its neighbours locally (``jax.shard_map`` on each device's block of neurons).
Random numbers are partitionable (``jax_threefry_partitionable``, the default) and the hash of stochastic
rounding is indexed by global position, so a sharded run of a circulant equals the single-device run bit for
bit, int8 and (when the devices divide N) float32 (tested over 200 ticks with learning and homeostasis on 4
and 8 CPU devices). LPS graphs' per-neuron float arithmetic (the bias and homeostasis statistics, and in
float32 the sum over edges) runs outside the per-block code and is fused differently once partitioned, so it
differs in the last bits: float32 by at most 1.2e-5 after 200 ticks in the test; in int8 each tick from the
same state gives the same codes (tested over 200 ticks), but the float statistics drift apart in the last
bits and one activation at a rounding boundary eventually differs (at tick ~97 of the 8-device test organoid
with the segmented eligibility code, between 400 and 800 with the continuous one), after which the two runs
diverge as two float orderings of a chaotic network do. The same holds across processes joined by
``jax.distributed`` (a mesh over the global devices; tested with two processes on localhost and gloo CPU
collectives).

Sweep sharding: the leading configuration axis of :func:`praxis_jax.learning.sweep.sweep_init`'s batch over
the mesh axis ``"configs"``; each device trains its own organoids, and nothing moves between them. Results
equal the unsharded sweep to float rounding (XLA rounds vmapped float32 work differently for different batch
sizes per device).

Arrays are split evenly, so a neuron axis is stored padded to a multiple of the device count
(:func:`shard_neurons`; every Singer size N = m² + m + 1 is odd): the N_pad − N < P padded neurons at the
end start at rest with no weights, compute on the neighbours of v mod N, and are read by nothing, so the
first N neurons keep the single-device run's values: bit for bit in int8 (tested with Singer N = 993 on 4
and 8 devices), to float rounding in float32 (XLA vectorises the padded length differently, as it does
:mod:`praxis_jax.simulate`'s lanes). :func:`unpad_neurons` cuts the padding off: save a checkpoint unpadded,
and it restores onto any number of devices (then :func:`shard_neurons`). A padded state refuses to run
without its mesh. The number of configurations of a sweep must be a multiple of the device count. Under
neuron sharding int8 circulants run the kernels (propagation and the fused learning pass: native on the CPU,
Pallas on GPUs) on each device's block (:mod:`praxis_jax.kernels.dispatch`); LPS graphs' blocks run the
pure-JAX form.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from praxis_jax.topology.base import NEURONS, stored_length

CONFIGS = "configs"


def mesh(axis: str = NEURONS, devices=None) -> Mesh:
    """A one-axis mesh named ``axis`` over ``devices`` (default: all of them)."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.array(devices), (axis,))


def padded_length(n: int, mesh: Mesh) -> int:
    """The stored length of a neuron axis of ``n`` neurons split over ``mesh``: N rounded up to a multiple
    of the device count (one whole block per device)."""
    return stored_length(n, mesh)


def _is_neuron_axis(leaf, n: int, length: int) -> bool:
    shape = getattr(leaf, "shape", ())  # the neuron axis is always last: (N,), (D, N), (K, N)
    return len(shape) > 0 and shape[-1] in (n, length)


def neuron_shardings(tree, n: int, mesh: Mesh):
    """NamedShardings for every leaf of ``tree``: its neuron axis (``n`` neurons, stored padded to
    :func:`padded_length`) split over ``mesh``, everything else replicated."""
    length = padded_length(n, mesh)

    def spec(leaf):
        if _is_neuron_axis(leaf, n, length):
            return PartitionSpec(*([None] * (leaf.ndim - 1)), NEURONS)
        return PartitionSpec()

    return jax.tree.map(lambda leaf: NamedSharding(mesh, spec(leaf)), tree)


def pad_neurons(tree, n: int, mesh: Mesh):
    """``tree`` with every neuron axis of ``n`` zero-padded to :func:`padded_length` (unchanged when the
    device count divides N): padded neurons have no weights, start at rest and feed nothing."""
    length = padded_length(n, mesh)
    if length == n:
        return tree

    def pad(leaf):
        if getattr(leaf, "shape", ())[-1:] != (n,):
            return leaf
        return jnp.pad(leaf, [(0, 0)] * (leaf.ndim - 1) + [(0, length - n)])

    return jax.tree.map(pad, tree)


def unpad_neurons(tree, n: int, mesh: Mesh):
    """The inverse of :func:`pad_neurons`: every padded neuron axis cut back to ``n`` (a sharded run's
    state as the single-device run has it, for a readout or a checkpoint read back without a mesh)."""
    length = padded_length(n, mesh)
    if length == n:
        return tree
    return jax.tree.map(lambda leaf: leaf[..., :n] if getattr(leaf, "shape", ())[-1:] == (length,) else leaf, tree)


def shard_neurons(tree, n: int, mesh: Mesh):
    """``tree`` (Params, State, ...) placed on ``mesh`` with its neuron axes padded (:func:`pad_neurons`)
    and split."""
    return jax.device_put(pad_neurons(tree, n, mesh), neuron_shardings(tree, n, mesh))


def sharded_simulate(params, state, mesh: Mesh):
    """``simulate`` jitted for ``params`` and ``state`` sharded over ``mesh`` (the state donated), traced
    and run with ``mesh`` set: the topology then gathers the activations once per tick and each device
    works on its own block of neurons (:func:`praxis_jax.topology.base.neuron_mesh`). The returned
    ``run(params, state, xs, modulators)`` takes and returns them as :func:`shard_neurons` places them
    (padded); ``modulators`` ``(T,)`` or ``(T, N)``."""
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
