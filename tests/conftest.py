import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("JAX_ENABLE_X64", "0")


def pytest_configure(config):
    del config
