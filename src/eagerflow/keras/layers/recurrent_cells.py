"""Recurrent cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`, `StackedRNNCells`): one time step.

A built-in cell splits its step in two so that `RNN` can run fast: `_project_inputs` (the input
matmul, done once for every time step together) and `_recurrent_step` (the recurrent matmul and
the gates, done in the time loop). Calling a cell directly runs both for one step.
"""

from __future__ import annotations

import inspect

import eagerflow as tf
from eagerflow.keras import activations
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.layer_args import (
    _add_weight_from_args,
    _set_weight_args,
    _weight_args_config,
)

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "AbstractRNNCell"]


# --- serialization of nested layers --------------------------------------------------------
def serialize_layer(layer) -> dict:
    """A layer as Keras's serialized dict (module, class_name, config, registered_name)."""
    from eagerflow.keras.saving import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize_layer(config, custom_objects: dict | None = None):
    """Rebuild a layer from `serialize_layer`'s dict (or a Keras 2 `{class_name, config}`);
    names resolve only through the saving registry (never by importing what a file names)."""
    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a serialized layer dict with a 'class_name' key. "
                         f"Received: {config!r}")
    from eagerflow.keras.saving import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


def from_config_with_layer(cls, config: dict, key: str, custom_objects: dict | None = None):
    """`cls(inner, **rest)` from a config that holds a serialized layer under `key` (an RNN's
    cell, a wrapper's layer); a Keras 3 DTypePolicy dict in it becomes its dtype name."""
    config = with_dtype_name(config)
    inner = deserialize_layer(config.pop(key), custom_objects)
    return cls(inner, **config)


def with_dtype_name(config: dict) -> dict:
    """A copy of a layer config with a Keras 3 DTypePolicy dict `dtype` as its name."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
    return config


# --- helpers ----------------------------------------------------------------------------------
def _is_nested(value) -> bool:
    return isinstance(value, (list, tuple))


def _dropout_mask(like, rate: float, training, seed=None):
    """A `[batch, features]` mask of kept/(1-rate) values, or None when dropout is off."""
    if not rate or training is None:
        return None
    if isinstance(training, tf.Tensor) and tf.executing_eagerly():
        training = bool(training.numpy())
    if not isinstance(training, tf.Tensor) and not training:
        return None
    ones = tf.ones_like(like)
    dropped = tf.nn.dropout(ones, rate, seed=seed)
    if isinstance(training, tf.Tensor):  # decided when the traced function runs
        return tf.where(tf.cast(training, tf.bool), dropped, ones)
    return dropped


def _last_dim(layer, input_shape) -> int:
    shape = tf.TensorShape(input_shape)
    if shape.rank is None or shape.rank < 1 or shape[-1] is None:
        raise ValueError(f"The last dimension of the inputs to layer '{layer.name}' should be "
                         f"defined. Found None. Full input shape received: {shape}")
    return int(shape[-1])


class AbstractRNNCell(Layer):
    """Base of recurrent cells: `call(inputs, states)` returns `(output, new_states)`.

    Subclasses define `state_size` and `output_size`. The built-in cells also give `RNN` a fast
    path: `_project_inputs` for all time steps at once, then `_recurrent_step` per step.
    """

    @property
    def state_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define `state_size`.")

    @property
    def output_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define `output_size`.")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states for a batch (one tensor per entry of `state_size`)."""
        return zero_states(self, inputs, batch_size, dtype)


def zero_states(cell, inputs=None, batch_size=None, dtype=None):
    """Zero initial states of `cell` for `batch_size` rows (taken from `inputs` when None)."""
    if inputs is not None:
        batch_size = tf.shape(inputs)[0]
        dtype = dtype or inputs.dtype
    dtype = dtype or getattr(cell, "dtype", None) or tf.float32
    sizes = cell.state_size
    flat = list(sizes) if _is_nested(sizes) else [sizes]
    states = []
    for size in flat:
        size = tf.TensorShape(size).as_list()
        if isinstance(batch_size, int):
            states.append(tf.zeros([batch_size, *size], dtype=dtype))
        else:
            states.append(tf.zeros(tf.concat([[batch_size], tf.constant(size, tf.int32)], 0)
                                   if size else tf.reshape(batch_size, [1]), dtype=dtype))
    return states if _is_nested(sizes) else states[0]


class _GatedCell(AbstractRNNCell):
    """Shared construction, dropout and config of the three built-in cells."""

    _gates = 1  # how many units-wide blocks the kernels hold

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 **kwargs) -> None:
        seed = kwargs.pop("seed", None)  # Keras 3 configs carry the dropout seed
        super().__init__(**kwargs)
        self.seed = seed
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        _set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                         kernel_constraint)
        _set_weight_args(self, "recurrent", recurrent_initializer, recurrent_regularizer,
                         recurrent_constraint)
        _set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        for label, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= float(rate) < 1.0:
                raise ValueError(f"Invalid value received for argument `{label}`, expected a "
                                 f"float in [0, 1). Received: {label}={rate}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _add_kernels(self, input_shape) -> None:
        input_dim = _last_dim(self, input_shape)
        width = self._gates * self.units
        self.kernel = _add_weight_from_args(self, "kernel", (input_dim, width))
        self.recurrent_kernel = _add_weight_from_args(self, "recurrent_kernel",
                                                      (self.units, width), "recurrent")

    def _add_bias(self, shape, initializer=None) -> None:
        self.bias = _add_weight_from_args(self, "bias", shape, initializer=initializer)

    # --- the step split in two -----------------------------------------------------------
    def _input_mask(self, inputs, training):
        return _dropout_mask(inputs, self.dropout, training, self.seed)

    def _recurrent_mask(self, state, training):
        return _dropout_mask(state, self.recurrent_dropout, training, self.seed)

    def _project_inputs(self, inputs, input_mask=None):
        """`inputs @ kernel (+ bias)` for inputs of shape [..., features]."""
        if input_mask is not None:
            inputs = inputs * input_mask
        return _matmul_last(inputs, self.kernel)

    def _recurrent_step(self, projected, states: list, recurrent_mask=None):
        raise NotImplementedError(f"{type(self).__name__} must define `_recurrent_step`.")

    def _sequence_step(self, sequence, states: list, training):
        """`(step, projected)` for `RNN` over time-major `sequence`: the input projection of
        every step in one matmul, and dropout masks drawn once per sequence (as Keras).
        None when a subclass overrides `call` (then `RNN` calls that)."""
        if not _plain_call(self):
            return None
        input_mask = self._input_mask(sequence[0], training)
        recurrent_mask = self._recurrent_mask(states[0], training)
        projected = self._project_inputs(sequence, input_mask)

        def step(x_t, step_states):
            return self._recurrent_step(x_t, step_states, recurrent_mask)

        return step, projected

    def call(self, inputs, states, training=None):
        """One time step: `(output, new_states)` (states a list when given as a list)."""
        nested = _is_nested(states)
        states = list(states) if nested else [states]
        expected = len(self.state_size) if _is_nested(self.state_size) else 1
        if len(states) != expected:
            raise ValueError(f"Layer '{self.name}' has {expected} state(s) but was passed "
                             f"{len(states)}: {states}. Pass a list of {expected} tensors of "
                             f"shape [batch, {self.units}].")
        features = inputs.shape[-1]
        if features is not None and features != self.kernel.shape[0]:
            raise ValueError(f"Layer '{self.name}' was built for inputs with "
                             f"{self.kernel.shape[0]} features but received inputs of shape "
                             f"{inputs.shape}.")
        projected = self._project_inputs(inputs, self._input_mask(inputs, training))
        output, new_states = self._recurrent_step(
            projected, states, self._recurrent_mask(states[0], training))
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def _base_config(self) -> dict:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **_weight_args_config(self, "kernel", "recurrent", "bias"),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            **({"seed": self.seed} if self.seed is not None else {}),
        }


def _gated_cell_arguments(arguments: dict) -> dict:
    """The `_GatedCell.__init__` arguments (its parameters, then **kwargs) out of the
    `locals()` of a subclass's `__init__`, which takes them all and a few of its own."""
    parameters = inspect.signature(_GatedCell.__init__).parameters
    picked = {name: arguments[name] for name in parameters
              if name not in ("self", "kwargs") and name in arguments}
    picked.update(arguments["kwargs"])
    return picked


def _plain_call(cell) -> bool:
    """Whether `cell.call` is the built-in one (not overridden by a user subclass)."""
    base = StackedRNNCells if isinstance(cell, StackedRNNCells) else _GatedCell
    return type(cell).call is base.call


def _matmul_last(x, kernel):
    """`x @ kernel` over the last axis of an x of any rank >= 2 (one BLAS call)."""
    rank = x.shape.rank
    if rank == 2:
        return tf.matmul(x, kernel)
    flat = tf.reshape(x, [-1, kernel.shape[0]])
    out = tf.matmul(flat, kernel)
    static = x.shape.as_list()[:-1]
    if all(d is not None for d in static):
        return tf.reshape(out, [*static, kernel.shape[1]])
    lead = tf.shape(x)[:-1]
    out = tf.reshape(out, tf.concat([lead, tf.constant([kernel.shape[1]], lead.dtype)], 0))
    return tf.ensure_shape(out, [*static, kernel.shape[1]])  # keep the known dims static


class SimpleRNNCell(_GatedCell):
    """Fully-connected recurrence: `h = activation(x @ kernel + h_prev @ recurrent_kernel + b)`.

    >>> cell = tf.keras.layers.SimpleRNNCell(4)
    >>> out, state = cell(tf.zeros([2, 3]), [tf.zeros([2, 4])])
    """

    def build(self, input_shape) -> None:
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            self._add_bias((self.units,))
        self.built = True

    def _project_inputs(self, inputs, input_mask=None):
        projected = super()._project_inputs(inputs, input_mask)
        return projected + self.bias if self.use_bias else projected

    def _recurrent_step(self, projected, states, recurrent_mask=None):
        previous = states[0]
        if recurrent_mask is not None:
            previous = previous * recurrent_mask
        output = projected + tf.matmul(previous, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        return output, [output]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._base_config())
        return config


class LSTMCell(_GatedCell):
    """Long short-term memory step; kernels hold the gates in the order i, f, c, o.

    State is `[h, c]`; `unit_forget_bias` starts the forget-gate bias at one.

    >>> cell = tf.keras.layers.LSTMCell(100)
    >>> out, (h, c) = cell(tf.zeros([100, 100]), [tf.zeros([100, 100])] * 2)
    """

    _gates = 4

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, implementation: int = 2, **kwargs) -> None:
        super().__init__(**_gated_cell_arguments(locals()))
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        if implementation not in (1, 2):
            raise ValueError(f"`implementation` must be 1 or 2. Received: "
                             f"implementation={implementation}")
        self.implementation = implementation

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape) -> None:
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                base, units = self.bias_initializer, self.units

                def initializer(shape, dtype=None, **kwargs):
                    return tf.concat([base((units,), dtype=dtype), tf.ones((units,), dtype),
                                      base((2 * units,), dtype=dtype)], axis=0)
            self._add_bias((4 * self.units,), initializer)
        self.built = True

    def _project_inputs(self, inputs, input_mask=None):
        projected = super()._project_inputs(inputs, input_mask)
        return projected + self.bias if self.use_bias else projected

    def _recurrent_step(self, projected, states, recurrent_mask=None):
        h_prev, c_prev = states[0], states[1]
        if recurrent_mask is not None:
            h_prev = h_prev * recurrent_mask
        z = projected + tf.matmul(h_prev, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = tf.split(z, 4, axis=-1)
        gate = self.recurrent_activation
        c = gate(z_f) * c_prev + gate(z_i) * self.activation(z_c)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        base = self._base_config()
        ordered = {key: base[key] for key in ("units", "activation")}
        ordered["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        for key in ("use_bias", "kernel_initializer", "recurrent_initializer",
                    "bias_initializer"):
            ordered[key] = base[key]
        ordered["unit_forget_bias"] = self.unit_forget_bias
        ordered.update({k: v for k, v in base.items() if k not in ordered})
        ordered["implementation"] = self.implementation
        config.update(ordered)
        return config


class GRUCell(_GatedCell):
    """Gated recurrent unit step; kernels hold the gates in the order z, r, h.

    With `reset_after=True` (the default, cuDNN-compatible) the reset gate multiplies the
    recurrent projection and the bias has shape (2, 3 * units): input bias, recurrent bias.
    """

    _gates = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, implementation: int = 2,
                 reset_after: bool = True, **kwargs) -> None:
        super().__init__(**_gated_cell_arguments(locals()))
        self.recurrent_activation = activations.get(recurrent_activation)
        if implementation not in (1, 2):
            raise ValueError(f"`implementation` must be 1 or 2. Received: "
                             f"implementation={implementation}")
        self.implementation = implementation
        self.reset_after = bool(reset_after)

    def build(self, input_shape) -> None:
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self._add_bias(shape)
        self.built = True

    def _project_inputs(self, inputs, input_mask=None):
        projected = super()._project_inputs(inputs, input_mask)
        if not self.use_bias:
            return projected
        return projected + (self.bias[0] if self.reset_after else self.bias)

    def _recurrent_step(self, projected, states, recurrent_mask=None):
        h_prev = states[0]
        h_dropped = h_prev * recurrent_mask if recurrent_mask is not None else h_prev
        x_z, x_r, x_h = tf.split(projected, 3, axis=-1)
        gate, units = self.recurrent_activation, self.units
        if self.reset_after:
            inner = tf.matmul(h_dropped, self.recurrent_kernel)
            if self.use_bias:
                inner = inner + self.bias[1]
            r_z, r_r, r_h = tf.split(inner, 3, axis=-1)
            z = gate(x_z + r_z)
            r = gate(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            inner = tf.matmul(h_dropped, self.recurrent_kernel[:, :2 * units])
            r_z, r_r = tf.split(inner, 2, axis=-1)
            z = gate(x_z + r_z)
            r = gate(x_r + r_r)
            candidate = self.activation(
                x_h + tf.matmul(r * h_dropped, self.recurrent_kernel[:, 2 * units:]))
        h = z * h_prev + (1 - z) * candidate
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        base = self._base_config()
        ordered = {key: base[key] for key in ("units", "activation")}
        ordered["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        ordered.update({k: v for k, v in base.items() if k not in ordered})
        ordered["implementation"] = self.implementation
        ordered["reset_after"] = self.reset_after
        config.update(ordered)
        return config


class StackedRNNCells(AbstractRNNCell):
    """Several cells run one after another within each time step, as one cell.

    The state is the concatenated list of every cell's states, first cell first.
    """

    def __init__(self, cells, **kwargs) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells={cells}")
        self.cells = list(cells)

    @property
    def state_size(self):
        sizes = []
        for cell in self.cells:
            size = cell.state_size
            sizes.extend(size if _is_nested(size) else [size])
        return sizes

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if _is_nested(size) else size

    def _state_counts(self) -> list:
        return [len(c.state_size) if _is_nested(c.state_size) else 1 for c in self.cells]

    def build(self, input_shape) -> None:
        shape = tf.TensorShape(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
                cell.built = True
            size = cell.output_size if getattr(cell, "output_size", None) is not None else (
                cell.state_size[0] if _is_nested(cell.state_size) else cell.state_size)
            shape = tf.TensorShape([shape[0], *tf.TensorShape(size).as_list()])
        self.built = True

    def call(self, inputs, states, training=None):
        """Run each cell on the previous one's output; returns `(output, all new states)`."""
        states = list(states) if _is_nested(states) else [states]
        new_states, offset = [], 0
        for cell, count in zip(self.cells, self._state_counts()):
            cell_states = states[offset:offset + count]
            offset += count
            given = cell_states if _is_nested(cell.state_size) else cell_states[0]
            inputs, cell_new = call_cell(cell, inputs, given, training)
            new_states.extend(cell_new if _is_nested(cell_new) else [cell_new])
        return inputs, new_states

    def _sequence_step(self, sequence, states: list, training):
        """`RNN`'s fast path when every cell is built in (None otherwise): the first cell's
        input projection for all steps at once, every cell's dropout masks once per
        sequence."""
        if not _plain_call(self) or not all(
                isinstance(cell, _GatedCell) and _plain_call(cell) for cell in self.cells):
            return None
        counts = self._state_counts()
        offsets = [sum(counts[:i]) for i in range(len(counts))]
        first = self.cells[0]
        projected = first._project_inputs(sequence, first._input_mask(sequence[0], training))
        # A later cell's inputs are the previous cell's outputs, shaped like its first state.
        input_masks = [None] + [cell._input_mask(states[offsets[i - 1]], training)
                                for i, cell in enumerate(self.cells) if i > 0]
        recurrent_masks = [cell._recurrent_mask(states[offsets[i]], training)
                           for i, cell in enumerate(self.cells)]

        def step(x_t, step_states):
            new_states = []
            for index, cell in enumerate(self.cells):
                if index > 0:
                    x_t = cell._project_inputs(x_t, input_masks[index])
                own = step_states[offsets[index]:offsets[index] + counts[index]]
                x_t, cell_states = cell._recurrent_step(x_t, own, recurrent_masks[index])
                new_states.extend(cell_states)
            return x_t, new_states

        return step, projected

    def get_config(self) -> dict:
        config = super().get_config()
        config["cells"] = [serialize_layer(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def call_cell(cell, inputs, states, training):
    """`cell.call(inputs, states[, training])`, passing `training` only if the cell takes it."""
    try:
        takes_training = "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        takes_training = False
    if takes_training:
        return cell.call(inputs, states, training=training)
    return cell.call(inputs, states)
