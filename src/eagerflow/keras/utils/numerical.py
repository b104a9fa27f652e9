"""NumPy-side label and feature helpers: `to_categorical` (one-hot), `to_ordinal` and
`normalize` (unit Lp norm along an axis). They take arrays, lists or eager tensors and
return NumPy arrays, as Keras's versions do; they are data preparation, not graph ops."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["normalize", "to_categorical", "to_ordinal"]


def _class_indices(y: Any, num_classes: int | None, fn_name: str) -> tuple[np.ndarray, tuple, int]:
    """Flat integer labels, the label shape (a trailing 1 dropped) and the class count."""
    labels = np.asarray(y)
    if labels.dtype.kind not in "biuf":
        raise ValueError(f"`{fn_name}` expects integer class labels. Received: y of dtype "
                         f"{labels.dtype}")
    if labels.dtype.kind == "f" and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError(f"`{fn_name}` expects integer class labels; y holds non-integer values "
                         f"such as {labels[np.mod(labels, 1) != 0].ravel()[0]}")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None or num_classes == 0:  # Keras treats 0 like None
        num_classes = int(flat.max()) + 1 if flat.size else 0
    num_classes = int(num_classes)
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        bad = flat[(flat < 0) | (flat >= num_classes)][0]
        raise ValueError(f"`{fn_name}`: class labels must be in [0, num_classes). Received label "
                         f"{bad} with num_classes={num_classes}")
    return flat, tuple(shape), num_classes


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """Converts a class vector (integers) to a binary class matrix (one-hot rows).

    Args:
        y: Array-like of integer class labels in `[0, num_classes)`; a trailing axis of size 1
            is dropped (labels of shape `(n, 1)` give `(n, num_classes)`).
        num_classes: Total number of classes; `None` means `max(y) + 1`.
        dtype: The output data type.

    Returns:
        A NumPy array of shape `y.shape + (num_classes,)` with one 1 per row.

    Example:
        >>> to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    flat, shape, num_classes = _class_indices(y, num_classes, "to_categorical")
    categorical = np.zeros((flat.size, num_classes), dtype=dtype)
    categorical[np.arange(flat.size), flat] = 1
    return categorical.reshape(shape + (num_classes,))


def to_ordinal(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """Converts a class vector (integers) to an ordinal regression matrix.

    Class `k` becomes `k` ones followed by zeros, over `num_classes - 1` columns (the targets
    of ordinal regression, where "greater than class j" is predicted for each j).

    Example:
        >>> to_ordinal([0, 1, 2], num_classes=3)
        array([[0., 0.],
               [1., 0.],
               [1., 1.]], dtype=float32)
    """
    flat, shape, num_classes = _class_indices(y, num_classes, "to_ordinal")
    columns = max(num_classes - 1, 0)
    ordinal = (np.arange(columns)[None, :] < flat[:, None]).astype(dtype)
    return ordinal.reshape(shape + (columns,))


def normalize(x: Any, axis: int = -1, order: int | float = 2) -> np.ndarray:
    """Scales `x` to unit norm of the given order along `axis` (zero vectors stay zero).

    Args:
        x: Array-like to normalize.
        axis: Axis along which to normalize.
        order: Normalization order (e.g. `order=2` for the L2 norm, `1` for L1).

    Returns:
        A normalized copy of the array.
    """
    array = np.asarray(x)
    if array.dtype.kind not in "fc":
        array = array.astype(np.float64)  # what NumPy's division would give
    if array.ndim == 0:
        raise ValueError(f"`normalize` needs an array of at least one dimension. "
                         f"Received: x with shape {array.shape}")
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"`normalize`: axis {axis} is out of range for x of shape "
                         f"{array.shape}")
    norms = np.atleast_1d(np.linalg.norm(array, order, axis))
    norms[norms == 0] = 1
    return array / np.expand_dims(norms, axis)
