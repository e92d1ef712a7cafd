"""``python -m praxis_jax`` is the ``praxis`` command (``python -m praxis_jax demo`` is the main job)."""

from praxis_jax.app.cli import main

main()
