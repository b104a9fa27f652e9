"""`tf.keras.layers.experimental`: the older names of layers that have since graduated."""

from eagerflow.keras.layers.einsum_dense import EinsumDense
from eagerflow.keras.layers.experimental import preprocessing

__all__ = ["EinsumDense", "preprocessing"]
