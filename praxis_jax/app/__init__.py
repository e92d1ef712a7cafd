"""The application: the ``praxis`` command (:mod:`~praxis_jax.app.cli`), TOML config files, run folders with
checkpoints and resume (:mod:`~praxis_jax.app.job`), the demo, the presets picked on validation, plots,
provenance records and signal handling. Library code never imports from here."""
