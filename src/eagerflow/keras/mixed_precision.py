"""`tf.keras.mixed_precision`: loss scaling (eagerflow computes in the layer's dtype)."""

from eagerflow.keras.optimizers import LossScaleOptimizer

__all__ = ["LossScaleOptimizer"]
