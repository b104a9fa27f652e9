"""`tf.keras`: layers, models (Sequential, functional, subclassed), training, saving.

Sub-namespaces load on first use, so `import eagerflow` stays light.
"""

import importlib

from eagerflow.keras.layers.input_layer import Input
from eagerflow.keras.models import Model, Sequential

__all__ = ["Input", "Model", "Sequential", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "activations", "initializers", "regularizers",
           "constraints", "utils", "backend", "saving", "mixed_precision", "config",
           "preprocessing"]

__version__ = "2.21.0"

_LAZY = ("layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
         "initializers", "regularizers", "constraints", "utils", "backend", "saving",
         "config", "mixed_precision", "preprocessing")


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f"eagerflow.keras.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'eagerflow.keras' has no attribute {name!r}")
