"""Figures (matplotlib): learning curves, weight/eligibility histograms against their Gaussian with the
clip marked, activity heatmaps, the expander spectrum against the Ramanujan bound, sweep curves and
heatmaps. Each function draws on a given matplotlib ``ax`` (so notebooks compose them); ``figure`` and
``save`` make and write figures.

One module for every plot, used by the CLI, experiments and notebooks alike.
"""

from __future__ import annotations

import matplotlib

if "ipykernel" not in __import__("sys").modules:
    matplotlib.use("Agg")  # scripts and the CLI write files; notebooks keep their inline backend
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def learning_curve(ax, history: list[dict], baselines: dict[str, float] | None = None, title: str = "") -> None:
    """Train/test accuracy per epoch (from :func:`praxis_jax.learning.fit` records) and horizontal
    lines for ``baselines`` (name -> accuracy)."""
    ep = [r["epoch"] for r in history]
    ax.plot(ep, [r["train_acc"] for r in history], "o-", label="train")
    ax.plot(ep, [r["test_acc"] for r in history], "s-", label="test")
    for (name, acc), style in zip((baselines or {}).items(), ("--", ":", "-.", (0, (5, 1)))):
        ax.axhline(acc, ls=style, color="gray", lw=1, label=f"{name} {100 * acc:.0f}%")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title)
    ax.legend(loc="lower right", fontsize=8)


def compare_curves(ax, histories: dict[str, list[dict]], baselines: dict[str, float] | None = None,
                   title: str = "") -> None:
    """Test (solid) and train (dotted) accuracy per epoch of several runs (name -> ``fit`` records) on one
    axis, with horizontal lines for ``baselines`` (name -> accuracy)."""
    for name, history in histories.items():
        ep = [r["epoch"] for r in history]
        (line,) = ax.plot(ep, [r["test_acc"] for r in history], "o-", label=f"{name}: test")
        ax.plot(ep, [r["train_acc"] for r in history], ":", color=line.get_color(), label=f"{name}: train")
    for (name, acc), style in zip((baselines or {}).items(), ("--", "-.", (0, (5, 1)))):
        ax.axhline(acc, ls=style, color="gray", lw=1, label=f"{name} {100 * acc:.0f}%")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title)
    ax.legend(loc="lower right", fontsize=8)


def weight_histogram(ax, W: np.ndarray, sigma: float, bound: float, title: str = "", name: str = "W") -> None:
    """Histogram of weights (or any per-edge array, labelled ``name``) with the N(0, σ²) density and the
    ±bound (the clip) marked. For eligibility pass its own std as σ and its coding range as the bound."""
    W = np.asarray(W, np.float64).ravel()
    ax.hist(W, bins=61, range=(-bound * 1.05, bound * 1.05), density=True, alpha=0.7, label=name)
    x = np.linspace(-bound, bound, 201)
    ax.plot(x, np.exp(-0.5 * (x / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)), "k-", lw=1,
            label=f"N(0, σ²), σ={sigma:.3g}")
    for s in (-bound, bound):
        ax.axvline(s, color="r", ls="--", lw=1)
    ax.set(xlabel=name, ylabel="density", title=title or f"{name} (std {W.std() / sigma:.3f} σ); clip ±{bound:.3g}")
    ax.legend(loc="upper right", fontsize=8)


def activity_heatmap(ax, A: np.ndarray, max_neurons: int = 200, title: str = "activity") -> None:
    """Activations ``(T, N)`` as an image (time across, neurons down; the first ``max_neurons``)."""
    A = np.asarray(A, np.float64)[:, :max_neurons]
    im = ax.imshow(A.T, aspect="auto", cmap="RdBu_r", vmin=-2, vmax=2, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label="a (bounded to ±2)")
    ax.set(xlabel="tick", ylabel="neuron", title=title)


def spectrum(ax, eigenvalues: np.ndarray, degree: int, title: str = "") -> None:
    """Histogram of adjacency eigenvalues with the trivial one (D) and the Ramanujan bound ±2·sqrt(D−1)."""
    ev = np.sort(np.asarray(eigenvalues, np.float64))
    bound = 2 * np.sqrt(degree - 1)
    ax.hist(ev[:-1], bins=80, alpha=0.7, label="eigenvalues (trivial one left out)")
    for s in (-bound, bound):
        ax.axvline(s, color="r", ls="--", lw=1)
    ax.axvline(ev[-1], color="k", lw=1, label=f"trivial λ = D = {degree}")
    second = max(abs(ev[0]), abs(ev[-2]))
    ax.set(xlabel="λ", ylabel="count", title=title or f"spectrum: λ₂ = {second:.1f}, Ramanujan bound {bound:.1f}")
    ax.legend(loc="upper left", fontsize=8)


def sweep_curve(ax, summary: dict[float, tuple[float, float]], name: str, metric: str = "test accuracy") -> None:
    """Mean ± std of a metric against one hyperparameter (from :func:`praxis_jax.learning.sweep.summarize`)."""
    xs = list(summary)
    ax.errorbar(xs, [m for m, _ in summary.values()], [sd for _, sd in summary.values()], fmt="o-")
    positive = all(x > 0 for x in xs) and len(xs) > 1 and max(xs) / min(xs) >= 10
    ax.set(xscale="log" if positive else "linear", xlabel=name, ylabel=metric)


def sweep_heatmap(ax, rows: list[dict], x: str, y: str, metric: str = "test_acc") -> None:
    """Mean final ``metric`` over seeds for each (x, y) pair of a tidy sweep table, as a labelled grid."""
    last = max(r["epoch"] for r in rows)
    xs = sorted({r[x] for r in rows})
    ys = sorted({r[y] for r in rows})
    grid = np.full((len(ys), len(xs)), np.nan)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            vals = [r[metric] for r in rows if r["epoch"] == last and r[x] == xv and r[y] == yv]
            grid[i, j] = np.mean(vals) if vals else np.nan
    im = ax.imshow(grid, origin="lower", cmap="viridis", aspect="auto")
    for i in range(len(ys)):
        for j in range(len(xs)):
            ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", color="w", fontsize=8)
    ax.figure.colorbar(im, ax=ax, label=metric)
    ax.set(xticks=range(len(xs)), xticklabels=[f"{v:.3g}" for v in xs], yticks=range(len(ys)),
           yticklabels=[f"{v:.3g}" for v in ys], xlabel=x, ylabel=y, title=f"{metric} (mean over seeds)")


def save(fig, path: str) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure(ncols: int = 1):
    """A figure with ``ncols`` axes side by side."""
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 4))
    return fig, np.atleast_1d(axes)
