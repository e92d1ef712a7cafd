"""Plain-numpy float64 reference of one PRAXIS tick, written from the equations, not from the package.

Per-edge arrays use the package's (D, N) layout so that states can be compared; neighbour indices are
given as an (N, D) array (for circulants built independently as (v + s_j) mod N).
"""

import numpy as np


def reference_run(nbrs, W, b, a, e, rate, var, U, xs, ms, noise, *, leak, lr, decay, weight_decay,
                  clip, update_every, var_momentum, var_threshold, interval, rate_momentum, bias_rate,
                  target_rate, plastic=True, homeo=True):
    """Run T ticks; returns (W, b, a, e, rate, var, outs_all) with outs_all the (T, N) activations."""
    W, b, a, e, rate, var = (np.array(x, np.float64) for x in (W, b, a, e, rate, var))
    n = a.shape[0]
    outs = []
    for t in range(xs.shape[0]):
        pre = a[nbrs.T]  # (D, N): pre[j, v] = a[nbrs[v, j]]
        v = leak * a + (W * pre).sum(axis=0) + b + noise[t]
        if U.shape[0]:
            v[: U.shape[1]] += xs[t] @ U
        post = 2.0 * np.tanh(v / 2.0)
        if plastic:
            e = decay * e + pre * post[None, :]
            if (t + 1) % update_every == 0:
                m = np.asarray(ms[t], np.float64)
                m = m[None, :] if m.ndim == 1 else m
                W = np.clip(W + lr * m * e - weight_decay * W, -clip, clip)
        if homeo:
            rate = rate_momentum * rate + (1 - rate_momentum) * post
            var = var_momentum * var + (1 - var_momentum) * (post - rate) ** 2
            b = b - bias_rate * (rate - target_rate)
            if (t + 1) % interval == 0:
                hot = var > var_threshold
                W[:, hot] /= np.sqrt(var[hot])[None, :]
                var[hot] = 1.0
        a = post
        outs.append(post.copy())
    assert a.shape == (n,)
    return W, b, a, e, rate, var, np.stack(outs)
