"""Figures (matplotlib, Agg backend): learning curves and the weight histogram against its Gaussian.

One module for every plot, used by the CLI, experiments and notebooks alike.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
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


def weight_histogram(ax, W: np.ndarray, sigma: float, bound: float, title: str = "") -> None:
    """Histogram of weights with the N(0, σ²) density of the start and the ±clip bound marked."""
    W = np.asarray(W, np.float64).ravel()
    ax.hist(W, bins=61, range=(-bound * 1.05, bound * 1.05), density=True, alpha=0.7, label="W")
    x = np.linspace(-bound, bound, 201)
    ax.plot(x, np.exp(-0.5 * (x / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)), "k-", lw=1,
            label=f"N(0, σ_w²), σ_w={sigma:.3f}")
    for s in (-bound, bound):
        ax.axvline(s, color="r", ls="--", lw=1)
    ax.set(xlabel="weight", ylabel="density", title=title or f"weights (std {W.std() / sigma:.3f} σ_w); clip ±{bound:.3f}")
    ax.legend(loc="upper right", fontsize=8)


def save(fig, path: str) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure(ncols: int = 1):
    """A figure with ``ncols`` axes side by side."""
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 4))
    return fig, np.atleast_1d(axes)
