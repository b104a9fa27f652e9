"""Merging layers, which combine a list of tensors: Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate, Dot, and their function forms (add, concatenate, ...)."""

from __future__ import annotations

import functools

import eagerflow as tf
from eagerflow.keras.layers.layer import Layer

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _as_shapes(input_shape) -> list:
    """A list of shape lists from build's argument (a list of TensorShapes; a single
    TensorShape counts as a list of one)."""
    if isinstance(input_shape, tf.TensorShape):
        input_shape = [input_shape]
    if not isinstance(input_shape, (list, tuple)):
        raise ValueError("A merge layer should be called on a list of inputs. Received: "
                         f"input_shape={input_shape}")
    if input_shape and not isinstance(input_shape[0], (tf.TensorShape, list, tuple)):
        raise ValueError("A merge layer should be called on a list of inputs. Received: "
                         f"input_shape={input_shape}")
    return [tf.TensorShape(s).as_list() if tf.TensorShape(s).rank is not None else None
            for s in input_shape]


def _broadcast(layer: Layer, shape1: list | None, shape2: list | None) -> list | None:
    """The elementwise-broadcast shape of two (batch-free) shapes, or Keras's ValueError."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    out = list(shape1[:len(shape1) - len(shape2)])
    for a, b in zip(shape1[len(shape1) - len(shape2):], shape2):
        if a is None or b is None:
            out.append(None if (a in (None, 1) and b in (None, 1)) or a is b else
                       (a if b in (None, 1) else b))
        elif a == 1:
            out.append(b)
        elif b == 1 or a == b:
            out.append(a)
        else:
            raise ValueError(f'Layer "{layer.name}": inputs must have equal shapes (or '
                             f"broadcastable ones). Received: input shapes {shape1} and "
                             f"{shape2}")
    return out


class _Merge(Layer):
    """Elementwise merge of >= 2 inputs of broadcast-compatible shapes (after the batch)."""

    _min_inputs = 2

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, shapes: list) -> list | None:
        if len(shapes) < self._min_inputs:
            raise ValueError(f"A merge layer should be called on a list of at least "
                             f"{self._min_inputs} inputs. Got {len(shapes)} inputs.")
        batches = {s[0] for s in shapes if s is not None and s and s[0] is not None}
        if len(batches) > 1:
            raise ValueError(f'Layer "{self.name}": cannot merge tensors with different batch '
                             f"sizes. Received tensors with shapes {shapes}")
        out = shapes[0][1:] if shapes[0] is not None else None
        for shape in shapes[1:]:
            out = _broadcast(self, out, None if shape is None else shape[1:])
        return out

    def build(self, input_shape) -> None:
        self._check_inputs(_as_shapes(input_shape))
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}" should be called on a list of inputs. '
                             f"Received: inputs={inputs} (not a list of tensors)")
        return self._merge(self._align_ranks(list(inputs)))

    def _align_ranks(self, inputs: list) -> list:
        """Lower-rank inputs get size-1 axes after the batch axis (Keras's rule), so
        (batch, 3) merges with (batch, 4, 3)."""
        ranks = [x.shape.rank for x in inputs]
        if None in ranks or len(set(ranks)) == 1:
            return inputs
        top = max(ranks)
        aligned = []
        for x, rank in zip(inputs, ranks):
            for _ in range(top - rank):
                x = tf.expand_dims(x, 1)
            aligned.append(x)
        return aligned

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shapes = _as_shapes(input_shape)
        inner = self._check_inputs(shapes)
        batches = [s[0] for s in shapes if s is not None and s and s[0] is not None]
        if inner is None:
            return tf.TensorShape(None)
        return tf.TensorShape([batches[0] if batches else None] + inner)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [tf.expand_dims(m, 0) for m in mask if m is not None]
        return tf.reduce_all(tf.concat(masks, axis=0), axis=0)


class Add(_Merge):
    """The elementwise sum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(lambda a, b: a + b, inputs)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def _check_inputs(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={shapes}")
        return super()._check_inputs(shapes)

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: {len(inputs)} inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(lambda a, b: a * b, inputs)


class Average(_Merge):
    """The elementwise mean of the inputs."""

    def _merge(self, inputs):
        total = functools.reduce(lambda a, b: a + b, inputs)
        return total / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(tf.maximum, inputs)


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(tf.minimum, inputs)


class Concatenate(_Merge):
    """Joins the inputs along `axis`; all other axes must match."""

    _min_inputs = 1

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_inputs(self, shapes):
        if len(shapes) < 1:
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={shapes}")
        known = [s for s in shapes if s is not None]
        if not known:
            return None
        ranks = {len(s) for s in known}
        if len(ranks) > 1:
            raise ValueError(self._mismatch(shapes))
        rank = ranks.pop()
        axis = self.axis % rank if rank else 0
        out = list(known[0])
        for shape in known[1:]:
            for i, (a, b) in enumerate(zip(out, shape)):
                if i == axis:
                    continue
                if a is not None and b is not None and a != b:
                    raise ValueError(self._mismatch(shapes))
                out[i] = a if a is not None else b
        sizes = [s[axis] for s in known]
        out[axis] = None if len(known) < len(shapes) or None in sizes else sum(sizes)
        return out

    def _mismatch(self, shapes) -> str:
        received = [tuple(s) if s else s for s in shapes]
        return (f"A `Concatenate` layer requires inputs with matching shapes except for the "
                f"concatenation axis. Received: input_shape={received}")

    def _align_ranks(self, inputs: list) -> list:
        return inputs

    def _merge(self, inputs):
        return tf.concat(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        out = self._check_inputs(_as_shapes(input_shape))
        return tf.TensorShape(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        full = []
        for value, m in zip(inputs, mask):
            if m is None:
                m = tf.ones_like(value, dtype=tf.bool)
            elif m.shape.rank < value.shape.rank:
                m = tf.expand_dims(m, -1)
            full.append(tf.broadcast_to(m, tf.shape(value)))
        return tf.reduce_all(tf.concat(full, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot products between samples of two tensors along `axes` (an int or a pair), with
    optional L2 normalization of both first (`normalize=True` gives cosine similarity)."""

    def __init__(self, axes, normalize: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(axes, int):
            self.axes = axes
        elif isinstance(axes, (list, tuple)) and len(axes) == 2 and all(
                isinstance(a, int) for a in axes):
            self.axes = list(axes)
        else:
            raise TypeError(f"Invalid type/value for `axes` argument. Expected an int or a "
                            f"list/tuple of 2 ints. Received: axes={axes}")
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _resolved_axes(self, shape1: list, shape2: list) -> list:
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        return [a % len(s) if a < 0 else a for a, s in zip(axes, (shape1, shape2))]

    def _check_inputs(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={shapes}")
        shape1, shape2 = shapes
        if shape1 is None or shape2 is None:
            return None
        a1, a2 = self._resolved_axes(shape1, shape2)
        if shape1[a1] is not None and shape2[a2] is not None and shape1[a1] != shape2[a2]:
            raise ValueError(f"Incompatible input shapes: axis values {shape1[a1]} (at axis "
                             f"{a1}) != {shape2[a2]} (at axis {a2}). Full input shapes: "
                             f"{tuple(shape1)}, {tuple(shape2)}")
        out = shape1[1:a1] + shape1[a1 + 1:] + shape2[1:a2] + shape2[a2 + 1:]
        return out if out else [1]

    def _align_ranks(self, inputs: list) -> list:
        return inputs

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"{len(inputs)} inputs")
        x1, x2 = inputs
        a1, a2 = self._resolved_axes(x1.shape.as_list(), x2.shape.as_list())
        if self.normalize:
            x1 = tf.nn.l2_normalize(x1, axis=a1)
            x2 = tf.nn.l2_normalize(x2, axis=a2)
        return _batch_dot(x1, x2, a1, a2)

    def compute_output_shape(self, input_shape) -> tf.TensorShape:
        shapes = _as_shapes(input_shape)
        out = self._check_inputs(shapes)
        if out is None:
            return tf.TensorShape(None)
        return tf.TensorShape([shapes[0][0]] + out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _batch_dot(x1, x2, axis1: int, axis2: int):
    """Per-sample tensordot of x1 and x2 over axis1 / axis2 (Keras's batch_dot); a result
    with only the batch axis gets a trailing axis of size 1."""
    rank1, rank2 = x1.shape.rank, x2.shape.rank
    left = ["n"] + [_LETTERS[i] for i in range(rank1 - 1)]
    right = ["n"] + [_LETTERS[rank1 - 1 + i] for i in range(rank2 - 1)]
    right[axis2] = left[axis1]
    out = [c for c in left if c != left[axis1]] + [c for i, c in enumerate(right)
                                                  if i not in (0, axis2)]
    result = tf.einsum(f"{''.join(left)},{''.join(right)}->{''.join(out)}", x1, x2)
    if result.shape.rank == 1:
        result = tf.expand_dims(result, 1)
    return result


def _merge_function(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"Functional interface to the `{cls.__name__}` layer: " \
                    f"`{cls.__name__}(**kwargs)(inputs)`."
    return merge


add = _merge_function(Add)
subtract = _merge_function(Subtract)
multiply = _merge_function(Multiply)
average = _merge_function(Average)
maximum = _merge_function(Maximum)
minimum = _merge_function(Minimum)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional interface to `Concatenate(axis=axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize: bool = False, **kwargs):
    """Functional interface to `Dot(axes, normalize, **kwargs)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
