"""Central-difference gradients, the reference the Keras tests check tape gradients against."""

import numpy as np


def numeric_gradient(function, value: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar `function(array)` with respect to each entry of
    `value` (which is left unchanged)."""
    gradient = np.zeros_like(value)
    for index in np.ndindex(*value.shape):
        up, down = value.copy(), value.copy()
        up[index] += eps
        down[index] -= eps
        gradient[index] = (float(function(up)) - float(function(down))) / (2 * eps)
    return gradient
