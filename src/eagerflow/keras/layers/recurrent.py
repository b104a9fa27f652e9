"""Recurrent layers: `RNN` (runs any cell over time), and `SimpleRNN`, `LSTM`, `GRU`.

The time loop itself is `recurrent_loop.time_loop`. For the built-in cells the input
projection of every time step is one matmul done before the loop, so each step does only the
recurrent work.
"""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras import regularizers
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.recurrent_cells import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    _is_nested,
    call_cell,
    from_config_with_layer,
    serialize_layer,
    with_dtype_name,
    zero_states,
)
from eagerflow.keras.layers.recurrent_loop import time_loop

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU"]


# --- the RNN layer ----------------------------------------------------------------------------
class _StateStore:
    """Holds a stateful RNN's state variables out of sight of weight tracking (as tf_keras,
    whose `states` are not weights)."""

    def __init__(self) -> None:
        self.variables: list = []


def _flat_sizes(state_size) -> list:
    return list(state_size) if _is_nested(state_size) else [state_size]


def _first_shape(input_shape):
    """The sequence's shape when `input_shape` also lists the shapes of initial states."""
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(
            input_shape[0], (tf.TensorShape, list, tuple)):
        return tf.TensorShape(input_shape[0])
    return tf.TensorShape(input_shape)


class RNN(Layer):
    """Runs a recurrent `cell` over the time axis of `[batch, time, features]` inputs.

    >>> layer = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(8), return_sequences=True)
    >>> layer(tf.zeros([2, 5, 3])).shape
    TensorShape([2, 5, 8])

    Masks (from `Masking` or `Embedding(mask_zero=True)`) make padded steps keep the previous
    state. `stateful=True` carries the final states of one batch into the next call.
    """

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, **kwargs) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError(f"The RNN cell should have a `state_size` attribute (tuple of "
                             f"integers, one integer per RNN state). Received: cell={cell}")
        zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        if "input_shape" not in kwargs and (
                kwargs.get("input_dim") is not None or kwargs.get("input_length") is not None):
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        kwargs.pop("input_dim", None)
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self._state_store = _StateStore()

    # --- shapes -------------------------------------------------------------------------
    def _check_rank(self, shape: tf.TensorShape) -> None:
        if shape.rank is not None and shape.rank != 3:
            dims = tuple(shape.as_list())
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim=3, found ndim={shape.rank}. Full shape received: "
                             f"{dims}. RNN layers take inputs of shape "
                             "[batch, timesteps, features].")
        features = getattr(self, "_features", None)
        if features is not None and shape.rank == 3 and shape[2] not in (None, features):
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected shape={(None, None, features)}, found "
                             f"shape={tuple(shape.as_list())}. The layer was built for "
                             f"{features} features per time step.")

    def _batch_and_time(self, shape: tf.TensorShape):
        return (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = _flat_sizes(self.cell.state_size)[0]
        return size

    def build(self, input_shape) -> None:
        shape = _first_shape(input_shape)
        self._check_rank(shape)
        batch, _ = self._batch_and_time(shape)
        step_shape = tf.TensorShape([batch, shape[2]])
        self._features = shape[2]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build(step_shape)
        elif not isinstance(self.cell, Layer) and hasattr(self.cell, "build"):
            self.cell.build(step_shape)
        if self.stateful:
            if batch is None:
                raise ValueError(
                    f"If a RNN is stateful, it needs to know its batch size. Specify the batch "
                    f"size of your input tensors (layer '{self.name}' received input shape "
                    f"{shape}):\n- If using a Sequential model, specify the batch size by "
                    "passing a `batch_input_shape` argument to your first layer.\n- If using "
                    "the functional API, specify the batch size by passing a `batch_shape` "
                    "argument to your Input layer.")
            self._make_state_variables(int(batch))
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = _first_shape(input_shape)
        self._check_rank(shape)
        batch, time = self._batch_and_time(shape)
        size = tf.TensorShape(self._output_size()).as_list()
        if self.return_sequences:
            dims = [time, batch, *size] if self.time_major else [batch, time, *size]
        else:
            dims = [batch, *size]
        output_shape = tf.TensorShape(dims)
        if not self.return_state:
            return output_shape
        states = [tf.TensorShape([batch, *tf.TensorShape(s).as_list()])
                  for s in _flat_sizes(self.cell.state_size)]
        return [output_shape, *states]

    def compute_mask(self, inputs, mask=None):
        if _is_nested(mask):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_flat_sizes(self.cell.state_size))
        return output_mask

    # --- states -------------------------------------------------------------------------
    def _make_state_variables(self, batch: int) -> None:
        with tf.init_scope():
            self._state_store.variables = [
                tf.Variable(tf.zeros([batch, *tf.TensorShape(size).as_list()], self.dtype),
                            trainable=False, name=f"{self.name}/state_{index}")
                for index, size in enumerate(_flat_sizes(self.cell.state_size))]

    @property
    def states(self) -> list:
        """A stateful layer's state variables ([None, ...] before the first call or if not
        stateful, as tf_keras)."""
        if self._state_store.variables:
            return list(self._state_store.variables)
        return [None] * len(_flat_sizes(self.cell.state_size))

    def reset_states(self, states=None) -> None:
        """Set a stateful layer's states to zeros, or to the given values (NumPy or tensors)."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' must be stateful to reset its states.")
        variables = self._state_store.variables
        if not variables:
            raise ValueError(f"Layer '{self.name}' has no states yet: call it (or build it "
                             "with a known batch size) before resetting its states.")
        if states is None:
            for variable in variables:
                variable.assign(tf.zeros(variable.shape, variable.dtype))
            return
        values = list(states) if _is_nested(states) else [states]
        if len(values) != len(variables):
            raise ValueError(f"Layer '{self.name}' expects {len(variables)} states, but it "
                             f"received {len(values)} state values. States received: {states}")
        for index, (variable, value) in enumerate(zip(variables, values)):
            value = tf.convert_to_tensor(value, dtype=variable.dtype)
            if tuple(value.shape.as_list()) != tuple(variable.shape.as_list()):
                raise ValueError(f"State {index} is incompatible with layer '{self.name}': "
                                 f"expected shape={tuple(variable.shape.as_list())} but found "
                                 f"shape={tuple(value.shape.as_list())}")
        for variable, value in zip(variables, values):
            variable.assign(tf.convert_to_tensor(value, dtype=variable.dtype))

    def get_initial_state(self, inputs):
        """Zero states for the batch of `inputs` ([batch, time, features])."""
        batch_axis = 1 if self.time_major else 0
        batch = inputs.shape[batch_axis]
        if batch is None:
            batch = tf.shape(inputs)[batch_axis]
        getter = getattr(self.cell, "get_initial_state", None)
        if getter is not None:
            states = getter(inputs=None, batch_size=batch, dtype=inputs.dtype)
        else:
            states = zero_states(self.cell, None, batch, inputs.dtype)
        return list(states) if _is_nested(states) else [states]

    def _initial_states(self, inputs, initial_state) -> list:
        count = len(_flat_sizes(self.cell.state_size))
        if initial_state is not None:
            states = list(initial_state) if _is_nested(initial_state) else [initial_state]
            if len(states) != count:
                raise ValueError(
                    f"Layer '{self.name}' expects {count} state(s) (cell.state_size="
                    f"{self.cell.state_size}), but it received {len(states)} initial "
                    f"state(s). Pass `initial_state` as a list of {count} tensors.")
            states = [tf.cast(tf.convert_to_tensor(s), inputs.dtype) for s in states]
            return states
        if self.stateful:
            batch = inputs.shape[1 if self.time_major else 0]
            expected = self._state_store.variables[0].shape[0]
            if batch is not None and batch != expected:
                raise ValueError(f"Layer '{self.name}' is stateful with batch size {expected} "
                                 f"but received inputs of shape {inputs.shape}. A stateful "
                                 "RNN needs every batch to have the same size.")
            return [tf.cast(v.read_value(), inputs.dtype) for v in self._state_store.variables]
        return self.get_initial_state(inputs)

    # --- the forward pass ------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None, initial_state=None):
        """Run the cell over time; returns the last output or the sequence (+ final states)."""
        if _is_nested(inputs):
            if initial_state is None and len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
        inputs = tf.convert_to_tensor(inputs)
        self._check_rank(inputs.shape)
        if _is_nested(mask):
            mask = mask[0]
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        states = self._initial_states(inputs, initial_state)
        sequence = inputs if self.time_major else tf.transpose(inputs, [1, 0, 2])
        if mask is not None:
            mask = tf.cast(mask, tf.bool)
            if not self.time_major:
                mask = tf.transpose(mask, [1, 0])
        step, projected = self._step_function(sequence, states, training)
        if self.go_backwards:
            projected = tf.reverse(projected, [0])
            if mask is not None:
                mask = tf.reverse(mask, [0])
        last, outputs, final_states = time_loop(
            step, projected, states, mask, output_size=self._output_size(),
            zero_output_for_mask=self.zero_output_for_mask,
            return_sequences=self.return_sequences, unroll=self.unroll)
        if self.stateful:
            for variable, value in zip(self._state_store.variables, final_states):
                variable.assign(tf.cast(value, variable.dtype))
        if self.return_sequences:
            output = outputs if self.time_major else tf.transpose(
                outputs, [1, 0, *range(2, outputs.shape.rank)])
        else:
            output = last
        if self.return_state:
            return [output, *final_states]
        return output

    def _step_function(self, sequence, states, training):
        """`(step, step_inputs)`: the per-step function and what it reads at each step.

        Built-in cells provide a faster pair (`_sequence_step`): their input projection is
        done for all steps at once and dropout masks are drawn once per sequence.
        """
        fast = getattr(self.cell, "_sequence_step", None)
        found = fast(sequence, states, training) if fast is not None else None
        if found is not None:
            return found
        cell = self.cell

        def generic_step(x_t, step_states):
            # Keras cells always receive their states as a list, even a single one.
            output, new_states = call_cell(cell, x_t, list(step_states), training)
            return output, (list(new_states) if _is_nested(new_states) else [new_states])

        return generic_step, sequence

    # --- configuration --------------------------------------------------------------------
    def _rnn_config(self) -> dict:
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences,
                       "return_state": self.return_state, "go_backwards": self.go_backwards,
                       "stateful": self.stateful, "unroll": self.unroll,
                       "time_major": self.time_major})
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        return config

    def get_config(self) -> dict:
        config = self._rnn_config()
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return from_config_with_layer(cls, config, "cell", custom_objects)


# --- SimpleRNN, LSTM, GRU: an RNN that owns its cell ----------------------------------------
_CELL_KEYS = ("name", "trainable", "dtype")
# the arguments of SimpleRNN / LSTM / GRU that go to the RNN layer, not to its cell
_LAYER_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                    "time_major", "activity_regularizer")


def _split_arguments(arguments: dict) -> tuple[int, dict, dict]:
    """`(units, cell arguments, layer arguments)` from the `locals()` of a SimpleRNN / LSTM /
    GRU `__init__`: the layer takes _LAYER_ARGUMENTS and **kwargs, the cell the rest."""
    arguments = {key: value for key, value in arguments.items()
                 if key not in ("self", "__class__")}
    layer_arguments = {key: arguments.pop(key) for key in _LAYER_ARGUMENTS if key in arguments}
    layer_arguments.update(arguments.pop("kwargs"))
    return arguments.pop("units"), arguments, layer_arguments


class _CellOwningRNN(RNN):
    """An RNN whose cell is built from the layer's own arguments (and whose config flattens
    the cell's config into the layer's, as Keras)."""

    _cell_class: type = SimpleRNNCell
    _cell_name = "cell"

    def __init__(self, units: int, cell_kwargs: dict, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, time_major: bool = False, **kwargs) -> None:
        kwargs.pop("use_cudnn", None)  # Keras 3: a device choice, with no meaning here
        if kwargs.get("seed") is not None:
            cell_kwargs = {**cell_kwargs, "seed": kwargs["seed"]}
        kwargs.pop("seed", None)
        cell = self._cell_class(units, name=self._cell_name, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), **cell_kwargs)
        if "activity_regularizer" in kwargs:
            kwargs["activity_regularizer"] = regularizers.get(kwargs["activity_regularizer"])
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         time_major=time_major, **kwargs)

    def __getattr__(self, name: str):
        # units, activation, dropout, ... read through to the cell, as Keras's properties do.
        if name.startswith("_") or "cell" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        cell = self.__dict__["cell"]
        if name in self._forwarded:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    _forwarded = frozenset({
        "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "implementation", "reset_after"})

    def get_config(self) -> dict:
        config = self._rnn_config()
        cell_config = {k: v for k, v in self.cell.get_config().items() if k not in _CELL_KEYS}
        regularizer = self.activity_regularizer
        for key, value in cell_config.items():
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = (None if regularizer is None
                                                  else regularizers.serialize(regularizer))
        return config

    @classmethod
    def from_config(cls, config):
        config = with_dtype_name(config)
        if config.get("implementation") == 0:  # Keras 1 files
            config["implementation"] = 1
        return cls(**config)


class SimpleRNN(_CellOwningRNN):
    """Fully-connected RNN where the output is fed back as the next input's state."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, **kwargs) -> None:
        units, cell_kwargs, layer_kwargs = _split_arguments(locals())
        super().__init__(units, cell_kwargs, **layer_kwargs)


class LSTM(_CellOwningRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997) over a sequence.

    >>> lstm = tf.keras.layers.LSTM(4, return_sequences=True, return_state=True)
    >>> sequence, h, c = lstm(tf.zeros([32, 10, 8]))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, implementation: int = 2,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, time_major: bool = False,
                 unroll: bool = False, **kwargs) -> None:
        units, cell_kwargs, layer_kwargs = _split_arguments(locals())
        super().__init__(units, cell_kwargs, **layer_kwargs)


class GRU(_CellOwningRNN):
    """Gated recurrent unit layer (Cho et al., 2014); `reset_after=True` is the cuDNN form."""

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 implementation: int = 2, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, time_major: bool = False, reset_after: bool = True,
                 **kwargs) -> None:
        units, cell_kwargs, layer_kwargs = _split_arguments(locals())
        super().__init__(units, cell_kwargs, **layer_kwargs)

