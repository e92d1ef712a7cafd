"""Plain-numpy float64 reference of PRAXIS ticks, written from the equations, not from the package.

Per-edge arrays use the package's (D, N) layout so that states can be compared; neighbour indices are
given as an (N, D) array (for circulants built independently as (v + s_j) mod N).

``reference_batch`` runs B trials in lockstep against one shared W, b (the trainers' batches): the
weight update uses the batch mean of m·e, homeostasis the batch means of its per-trial terms.
``reference_run`` is the one-trial case.
"""

import numpy as np


def reference_batch(nbrs, W, b, a, e, rate, var, U, xs, ms, noise, *, leak, lr, decay, weight_decay,
                    clip, update_every, var_momentum, var_threshold, interval, rate_momentum, bias_rate,
                    target_rate, noise_std=0.0, post="a", pre="a", plastic=True, homeo=True):
    """B trials: a (B, N), e (B, D, N), xs (T, B, K), ms (T, B) or (T, B, N), noise (T, B, N).

    Returns (W, b, a, e, rate, var, outs_all) with outs_all the (T, B, N) activations.
    """
    W, b, rate, var = (np.array(x, np.float64) for x in (W, b, rate, var))
    a, e = np.array(a, np.float64), np.array(e, np.float64)
    eps = np.zeros_like(e)  # e-prop's eligibility vector (pre = "eprop")
    outs = []
    for t in range(xs.shape[0]):
        v = np.empty_like(a)
        for k in range(a.shape[0]):
            v[k] = leak * a[k] + (W * a[k][nbrs.T]).sum(axis=0) + b + noise[t][k]
            if U.shape[0]:
                v[k, : U.shape[1]] += xs[t][k] @ U
        new = 2.0 * np.tanh(v / 2.0)
        if plastic:
            post_n = {"a": new, "fprime": 1.0 - (new / 2.0) ** 2, "one": np.ones_like(new),
                      "noise": noise[t] / max(noise_std, 1e-30)}[post]
            for k in range(a.shape[0]):
                eps[k] = a[k][nbrs.T] + leak * (1.0 - (a[k] / 2.0) ** 2)[None, :] * eps[k]
                e[k] = decay * e[k] + (eps[k] if pre == "eprop" else a[k][nbrs.T]) * post_n[k][None, :]
            if (t + 1) % update_every == 0:
                m = np.asarray(ms[t], np.float64)  # (B,) or (B, N)
                m = m[:, None, None] if m.ndim == 1 else m[:, None, :]
                W = np.clip(W + lr * (m * e).mean(axis=0) - weight_decay * W, -clip, clip)
        if homeo:
            rate = rate_momentum * rate + (1 - rate_momentum) * new.mean(axis=0)
            var = var_momentum * var + (1 - var_momentum) * ((new - rate) ** 2).mean(axis=0)
            b = b - bias_rate * (rate - target_rate)
            if (t + 1) % interval == 0:
                hot = var > var_threshold
                W[:, hot] /= np.sqrt(var[hot])[None, :]
                var[hot] = 1.0
        a = new
        outs.append(new.copy())
    return W, b, a, e, rate, var, np.stack(outs)


def reference_run(nbrs, W, b, a, e, rate, var, U, xs, ms, noise, **kw):
    """One trial: a (N,), e (D, N), xs (T, K), ms (T,) or (T, N), noise (T, N) or (T, 1).

    Returns (W, b, a, e, rate, var, outs_all) with outs_all the (T, N) activations.
    """
    noise = np.broadcast_to(np.asarray(noise, np.float64), (xs.shape[0], a.shape[0]))
    W, b, a, e, rate, var, outs = reference_batch(nbrs, W, b, np.asarray(a)[None], np.asarray(e)[None], rate, var, U,
                                                  np.asarray(xs)[:, None], np.asarray(ms)[:, None], noise[:, None], **kw)
    return W, b, a[0], e[0], rate, var, outs[:, 0]
