"""Pallas kernels (GPU through Triton; any backend in interpret mode)."""
