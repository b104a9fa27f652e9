"""The Metric base class and the reducing metrics built on it (Sum, Mean, MeanMetricWrapper).

A metric keeps its running state in non-trainable tf.Variables updated with `assign_add`, so
`update_state` works eagerly and inside the compiled train step alike.
"""

from __future__ import annotations

from collections.abc import Callable

import eagerflow as tf
from eagerflow.graph.builder import init_scope
from eagerflow.keras import backend
from eagerflow.keras.losses import (
    _snake_case,
    apply_valid_mask,
    get_mask,
    squeeze_or_expand_dimensions,
)

__all__ = ["Metric", "Reduce", "Sum", "Mean", "MeanMetricWrapper", "MeanTensor"]


class Metric:
    """Base class: subclasses create state with `add_weight` in `__init__` (or lazily), and
    implement `update_state(...)` (assign ops only) and `result()`.

    `metric(y_true, y_pred)` updates the state and returns the new result.
    """

    def __init__(self, name: str | None = None, dtype=None, **kwargs) -> None:
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        self.name = name if name is not None else backend.unique_object_name(
            _snake_case(type(self).__name__))
        self._dtype = tf.as_dtype(dtype if dtype is not None else backend.floatx())
        self._state: dict[str, tf.Variable] = {}

    # --- state -------------------------------------------------------------------------
    def add_weight(self, name: str, shape=(), dtype=None, initializer="zeros",
                   **kwargs) -> tf.Variable:
        """A non-trainable state variable, created eagerly even when called inside a trace."""
        from eagerflow.keras import initializers

        dtype = tf.as_dtype(dtype if dtype is not None else self._dtype)
        init = initializers.get(initializer)
        with init_scope():
            variable = tf.Variable(init(tuple(shape), dtype=dtype), trainable=False,
                                   name=name, dtype=dtype)
        self._state[name] = variable
        return variable

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name: str | None = None,
                     **kwargs) -> tf.Variable:
        """Keras 3 spelling of `add_weight`."""
        return self.add_weight(name or f"variable_{len(self._state)}", shape=shape,
                               dtype=dtype, initializer=initializer)

    @property
    def variables(self) -> list:
        """The state variables, in creation order."""
        return list(self._state.values())

    weights = variables
    non_trainable_weights = variables
    non_trainable_variables = variables

    @property
    def trainable_weights(self) -> list:
        return []

    trainable_variables = trainable_weights

    @property
    def dtype(self) -> str:
        return self._dtype.name

    @property
    def stateful(self) -> bool:
        return True

    def _trackable_children(self) -> dict:
        """Checkpoint children: the state variables by name ("total", "count", ...)."""
        return dict(self._state)

    # --- protocol ----------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self) -> None:
        """Set every state variable back to zero."""
        for variable in self._state.values():
            variable.assign(tf.zeros(variable.shape, variable.dtype))

    def reset_states(self) -> None:
        """Deprecated alias of `reset_state`."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _prepare_weights(values, sample_weight, reduce_extra_axes: Callable):
    """Broadcast `sample_weight` to `values` as tf_keras does: align ranks by one axis, and
    when the weights still have fewer axes, reduce the extra axes of `values` instead."""
    sample_weight = tf.cast(sample_weight, values.dtype)
    values, _, sample_weight = squeeze_or_expand_dimensions(values, None, sample_weight)
    value_rank, weight_rank = values.shape.rank, sample_weight.shape.rank
    if weight_rank and value_rank is not None and weight_rank < value_rank:
        values = reduce_extra_axes(values, axis=list(range(weight_rank, value_rank)))
    try:
        tf.broadcast_static_shape(sample_weight.shape, values.shape)
    except ValueError:
        raise ValueError(f"`sample_weight` of shape {sample_weight.shape} cannot be broadcast "
                         f"to the metric values of shape {values.shape}.") from None
    sample_weight = sample_weight * tf.ones_like(values)
    return values, sample_weight


class Reduce(Metric):
    """Accumulates values by "sum", "sum_over_batch_size" or "weighted_mean"."""

    def __init__(self, reduction: str, name: str | None, dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "sum_over_batch_size", "weighted_mean"):
            raise ValueError(f"Invalid reduction {reduction!r}: expected 'sum', "
                             "'sum_over_batch_size' or 'weighted_mean'.")
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction != "sum":
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        """Add a batch of values (optionally weighted) to the running total and count."""
        values = tf.cast(values, self._dtype)
        if (sample_weight is not None and self.reduction == "weighted_mean"
                and values.shape.rank == 0):
            sample_weight = tf.cast(sample_weight, self._dtype)
            if sample_weight.shape.rank == 0:
                # One weighted scalar (the loss tracker's batch mean weighted by the batch
                # size): the general path below would only multiply and sum by one.
                self.total.assign_add(values * sample_weight)
                return self.count.assign_add(sample_weight)
        if sample_weight is not None:
            reduce = tf.reduce_sum if self.reduction == "sum" else tf.reduce_mean
            values, sample_weight = _prepare_weights(values, sample_weight, reduce)
            values = values * sample_weight
        total = tf.reduce_sum(values)
        if self.reduction == "sum":
            return self.total.assign_add(total)
        if self.reduction == "sum_over_batch_size" or sample_weight is None:
            count = values.shape.num_elements()  # known when tracing a fixed batch shape
            num_values = (tf.constant(count, self._dtype) if count is not None
                          else tf.cast(tf.size(values), self._dtype))
        else:
            num_values = tf.reduce_sum(sample_weight)
        self.total.assign_add(total)
        return self.count.assign_add(num_values)

    def result(self):
        if self.reduction == "sum":
            return tf.identity(self.total)
        return tf.math.divide_no_nan(self.total, self.count)


class Sum(Reduce):
    """The (weighted) sum of all values seen."""

    def __init__(self, name: str = "sum", dtype=None) -> None:
        super().__init__(reduction="sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of all values seen: total / count."""

    def __init__(self, name: str = "mean", dtype=None) -> None:
        super().__init__(reduction="weighted_mean", name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen."""

    def __init__(self, fn: Callable, name: str | None = None, dtype=None, **kwargs) -> None:
        if name is None:
            name = getattr(fn, "__name__", None) or "mean_metric_wrapper"
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Evaluate `fn` on the batch and add its per-sample values to the mean."""
        y_true = tf.convert_to_tensor(y_true)
        y_pred = tf.convert_to_tensor(y_pred)
        if y_true.dtype != self._dtype:
            y_true = tf.cast(y_true, self._dtype)
        if y_pred.dtype != self._dtype:
            y_pred = tf.cast(y_pred, self._dtype)
        y_pred, y_true, _ = squeeze_or_expand_dimensions(y_pred, y_true)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        # e.g. sparse crossentropy with ignore_class masks the samples it ignores
        sample_weight = apply_valid_mask(matches, sample_weight, get_mask(matches),
                                         self.reduction)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", None)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        fn_name = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            from eagerflow.keras.metrics import get

            return cls(get(fn_name), **config)
        return cls(**config)


class MeanTensor(Metric):
    """The element-wise (weighted) mean of tensors of one fixed shape."""

    def __init__(self, name: str = "mean_tensor", dtype=None, shape=None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._shape = None if shape is None else tuple(shape)
        self.total = self.count = None
        if self._shape is not None:
            self._build(self._shape)

    def _build(self, shape: tuple) -> None:
        self._shape = tuple(shape)
        self.total = self.add_weight("total", shape=self._shape)
        self.count = self.add_weight("count", shape=self._shape)

    def update_state(self, values, sample_weight=None):
        values = tf.cast(values, self._dtype)
        shape = tuple(values.shape.as_list())
        if self.total is None:
            self._build(shape)
        elif shape != self._shape:
            raise ValueError(f"MeanTensor input values must always have the same shape. "
                             f"Expected shape (set during the first call): {self._shape}. "
                             f"Got: {shape}.")
        num_values = tf.ones_like(values)
        if sample_weight is not None:
            values, sample_weight = _prepare_weights(values, sample_weight, tf.reduce_mean)
            num_values = sample_weight
            values = values * sample_weight
        self.total.assign_add(values)
        return self.count.assign_add(num_values)

    def result(self):
        if self.total is None:
            raise ValueError("MeanTensor does not have any value yet. Please call the "
                             "MeanTensor instance or use `.update_state(value)` before "
                             "retrieving the result.")
        return tf.math.divide_no_nan(self.total, self.count)

    def get_config(self) -> dict:
        config = super().get_config()
        config["shape"] = None if self._shape is None else list(self._shape)
        return config
