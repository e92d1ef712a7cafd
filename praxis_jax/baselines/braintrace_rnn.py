"""An external peer: a dense rate RNN of the organoid's tick trained online by braintrace (optional extra).

braintrace (PyPI, Apache-2.0; online learning for recurrent networks in JAX on top of brainstate) trains
the same tick as PRAXIS with a dense W ``(N, N)``:
``v = leak·a(t−1) + a(t−1)·W + x(t)·U + b``, ``a = 2·tanh(v/2)``, W ~ N(0, gain²/N), U ~ N(0, 1/K), and a
linear readout of the time-mean activity ``m = (1/T)·Σ_t a(t)`` (carried as a second hidden state, so the
eligibility traces of W and U reach it), softmax cross-entropy at the last tick, Adam. ``algorithm`` picks
braintrace's learner: ``"eprop"`` (``braintrace.EProp`` with the readout's own feedback; without a low-pass
filter it is D-RTRL, e-prop for leaky rate units), ``"d_rtrl"`` or ``"pp_prop"`` (ES-D-RTRL, traces
factorised over inputs and outputs). Each is online: one forward sweep carrying the traces, the gradient
their product with the learning signal, no pass back through time; the weights change once per batch.

Two settings of braintrace 0.2.6 matter here: ``vjp_method="multi-step"`` (with the default single-step
method the readout's gradient is zero and the (a, m) group's learning signal is wrong), and a state reset
per batch (its MNIST example never resets). Both checked against a BPTT gradient at W = 0, where the
online gradient is exact.
"""

from __future__ import annotations

import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

ALGORITHMS = ("eprop", "d_rtrl", "pp_prop")
PP_DECAY = 0.9  # pp_prop's decay_or_rank (the decay of its factorised traces)


def fit_braintrace(data, n: int, epochs: int, algorithm: str = "eprop", lr: float = 1e-3, batch_size: int = 32,
                   leak: float = 0.2, gain: float = 1.2, seed: int = 0, on_epoch=None) -> list[dict]:
    """Train the peer on a :class:`praxis_jax.tasks.Dataset`; returns per-epoch records ``epoch``, ``loss``,
    ``train_acc`` (first 1,000 training trials), ``test_acc``, ``seconds`` (training time; the compile time is
    in the first record's ``compile_s``)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"fit_braintrace.algorithm must be one of {ALGORITHMS}; got {algorithm!r}")
    import brainstate
    import braintools
    import braintrace

    # the readout feeds no hidden state; braintrace warns and treats it as a plain parameter (intended)
    warnings.filterwarnings("ignore", message=".*has no connected hidden states.*")
    n_ticks, n_in = data.x_train.shape[1:]

    class RateCell(brainstate.nn.Module):
        def __init__(self, key):
            super().__init__()
            ku, kw = jax.random.split(key)
            self.U = brainstate.ParamState({"weight": jax.random.normal(ku, (n_in, n)) / np.sqrt(n_in),
                                            "bias": jnp.zeros(n)})
            self.W = brainstate.ParamState({"weight": gain / np.sqrt(n) * jax.random.normal(kw, (n, n))})

        def init_state(self, batch_size=None, **kwargs):
            self.a = brainstate.HiddenState(jnp.zeros((batch_size, n)))
            self.m = brainstate.HiddenState(jnp.zeros((batch_size, n)))

        def reset_state(self, batch_size=None, **kwargs):
            self.a.value = jnp.zeros((batch_size, n))
            self.m.value = jnp.zeros((batch_size, n))

        def update(self, x):
            a = self.a.value
            v = (leak * a + braintrace.matmul(a, self.W.value["weight"])  # braintrace.matmul: a traced weight
                 + braintrace.matmul(x, self.U.value["weight"], self.U.value["bias"]))
            self.a.value = 2.0 * jnp.tanh(v / 2.0)
            self.m.value = self.m.value + self.a.value / n_ticks
            return self.m.value

    class Net(brainstate.nn.Module):
        def __init__(self, key):
            super().__init__()
            self.cell = RateCell(key)
            self.out = braintrace.nn.Linear(n, data.n_classes)

        def update(self, x):
            return self.out(self.cell(x))

    brainstate.random.seed(seed)
    net = Net(jax.random.PRNGKey(seed))
    x0 = jnp.zeros((batch_size, n_in))
    algo = {"eprop": braintrace.EProp, "d_rtrl": braintrace.D_RTRL, "pp_prop": braintrace.pp_prop}[algorithm]
    extra = {"decay_or_rank": PP_DECAY} if algorithm == "pp_prop" else {}
    learner = braintrace.compile(net, algo, x0, batch_size=batch_size, vjp_method="multi-step", **extra)
    params = net.states(brainstate.ParamState)
    opt = braintools.optim.Adam(lr=lr)
    opt.register_trainable_weights(params)

    def xent(z, y):
        return braintools.metric.softmax_cross_entropy_with_integer_labels(z, y).mean()

    @brainstate.transform.jit
    def train_step(xs, ys):  # xs (T, B, K): the traces evolve over ticks 1..T−1, the loss at tick T
        brainstate.nn.reset_all_states(learner, batch_size=batch_size)
        learner.etrace_evolve(xs[:-1])
        grads, loss = brainstate.transform.grad(lambda: xent(learner(xs[-1]), ys), params, return_value=True)()
        opt.update(grads)
        return loss

    @brainstate.transform.jit
    def accuracy(xs, ys):
        brainstate.nn.reset_all_states(net, batch_size=xs.shape[1])
        z = brainstate.transform.for_loop(net.update, xs)[-1]
        brainstate.nn.reset_all_states(net, batch_size=batch_size)
        return jnp.mean(z.argmax(-1) == ys)

    x, y = data.x_train, data.y_train
    xt, yt = jnp.asarray(data.x_test.transpose(1, 0, 2)), jnp.asarray(data.y_test)
    xe, ye = jnp.asarray(x[:1000].transpose(1, 0, 2)), jnp.asarray(y[:1000])
    nb = len(x) // batch_size
    t0 = time.perf_counter()
    train_step.compile(jnp.zeros((n_ticks, batch_size, n_in)), jnp.zeros(batch_size, jnp.int32))
    accuracy.compile(xt, yt)
    compile_s = time.perf_counter() - t0
    rng, history = np.random.default_rng(seed), []
    for epoch in range(1, epochs + 1):
        perm = rng.permutation(len(x))[: nb * batch_size].reshape(nb, batch_size)
        t0 = time.perf_counter()
        losses = [train_step(jnp.asarray(x[i].transpose(1, 0, 2)), jnp.asarray(y[i])) for i in perm]
        loss = float(jnp.mean(jnp.stack(losses)))
        rec = {"epoch": epoch, "loss": loss, "seconds": time.perf_counter() - t0,
               "train_acc": float(accuracy(xe, ye)), "test_acc": float(accuracy(xt, yt))}
        if epoch == 1:
            rec["compile_s"] = compile_s
        history.append(rec)
        if on_epoch is not None:
            on_epoch(rec, None)
    return history
