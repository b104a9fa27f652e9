"""How Keras passes a batch around: `(x, y, sample_weight)` packing and unpacking, and the
`Sequence` base class for batch generators that `fit` can index and shuffle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["Sequence", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Unpacks user-provided data into `(x, y, sample_weight)`, with None for what is missing.

    Accepts `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` (lists count as tuples); this is
    what a custom `train_step` uses on its `data` argument.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """Packs user-provided data into the tuple `unpack_x_y_sample_weight` reads back.

    A lone `x` stays as it is unless it is a tuple or list, which is wrapped in a 1-tuple so
    it is not mistaken for `(x, y)`.
    """
    if y is None:
        return (x,) if isinstance(x, tuple | list) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight


class Sequence:
    """Base object for fitting to a sequence of data, such as a dataset of files.

    Subclasses implement `__getitem__` (the batch at an index) and `__len__` (the number of
    batches), and may implement `on_epoch_end` (e.g. to reshuffle). Indexing makes every batch
    seen once per epoch, in any order.

    Example:
        >>> class Batches(tf.keras.utils.Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__` "
                                  "(the batch at position `index`).")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__` "
                                  "(the number of batches in the Sequence).")

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch; override to reshuffle or reload."""

    def __iter__(self) -> Iterator[Any]:
        """The batches in order, once."""
        for index in range(len(self)):
            yield self[index]
