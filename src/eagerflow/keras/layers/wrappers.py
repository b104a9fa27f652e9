"""Layer wrappers: `Bidirectional` (an RNN read forwards and backwards, outputs merged) and
`TimeDistributed` (one layer applied to every time step)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import Layer
from eagerflow.keras.layers.recurrent import RNN, _CellOwningRNN
from eagerflow.keras.layers.recurrent_cells import (
    StackedRNNCells,
    _is_nested,
    deserialize_layer,
    from_config_with_layer,
    serialize_layer,
)

__all__ = ["Wrapper", "Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _call_kwargs(layer, training, mask) -> dict:
    """Only the keyword arguments `layer.call` accepts (training, mask)."""
    kwargs = {}
    if training is not None and getattr(layer, "_expects_training_arg", True):
        kwargs["training"] = training
    if mask is not None and getattr(layer, "_expects_mask_arg", True):
        kwargs["mask"] = mask
    return kwargs


def _build(layer, input_shape) -> None:
    if not layer.built:
        layer._maybe_build(input_shape)


class Wrapper(Layer):
    """Base of layers that wrap another layer (kept as `self.layer`)."""

    def __init__(self, layer, **kwargs) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return from_config_with_layer(cls, config, "layer", custom_objects)


class TimeDistributed(Wrapper):
    """Apply `layer` to every time step of `[batch, time, ...]` inputs (one call on the
    batch and time axes folded together).

    >>> td = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(8))
    >>> td(tf.zeros([32, 10, 16])).shape
    TensorShape([32, 10, 8])
    """

    def __init__(self, layer, **kwargs) -> None:
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_rank(self, shape: tf.TensorShape) -> None:
        if shape.rank is not None and shape.rank < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {tuple(shape.as_list())} "
                             f"(layer '{self.name}' wrapping '{self.layer.name}').")

    def build(self, input_shape) -> None:
        shape = tf.TensorShape(input_shape)
        self._check_rank(shape)
        _build(self.layer, tf.TensorShape([None, *shape.as_list()[2:]]))
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = tf.TensorShape(input_shape)
        self._check_rank(shape)
        inner = tf.TensorShape(self.layer.compute_output_shape(
            tf.TensorShape([shape[0], *shape.as_list()[2:]])))
        return tf.TensorShape([shape[0], shape[1], *inner.as_list()[1:]])

    def call(self, inputs, training=None, mask=None):
        """Fold time into the batch, run the wrapped layer once, unfold."""
        inputs = tf.convert_to_tensor(inputs)
        self._check_rank(inputs.shape)
        static = inputs.shape.as_list()
        folded = tf.reshape(inputs, [-1, *static[2:]]) if all(
            d is not None for d in static[2:]) else tf.reshape(
                inputs, tf.concat([[-1], tf.shape(inputs)[2:]], 0))
        inner_mask = None
        if mask is not None:
            inner_mask = tf.reshape(mask, [-1, *mask.shape.as_list()[2:]])
        outputs = self.layer(folded, **_call_kwargs(self.layer, training, inner_mask))
        out_rest = outputs.shape.as_list()[1:]
        if static[0] is not None and static[1] is not None and all(
                d is not None for d in out_rest):
            return tf.reshape(outputs, [static[0], static[1], *out_rest])
        head = tf.shape(inputs)[:2]
        tail = (tf.constant(out_rest, head.dtype) if all(d is not None for d in out_rest)
                else tf.shape(outputs)[1:])
        result = tf.reshape(outputs, tf.concat([head, tail], 0))
        return tf.ensure_shape(result, [static[0], static[1], *out_rest])

    def compute_mask(self, inputs, mask=None):
        return mask


class Bidirectional(Wrapper):
    """Run an RNN layer forwards and a copy of it backwards over the sequence and merge the
    two outputs (`merge_mode`: "concat" (default), "sum", "mul", "ave" or None for a list).

    >>> bi = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4, return_sequences=True))
    >>> bi(tf.zeros([2, 5, 3])).shape
    TensorShape([2, 5, 8])
    """

    def __init__(self, layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer=None, **kwargs) -> None:
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `tf.keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        for attribute in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attribute):
                raise ValueError(f"`Bidirectional` needs a recurrent layer (with "
                                 f"`{attribute}`), received {type(layer).__name__} "
                                 f"'{layer.name}'.")
        Layer.__init__(self, **kwargs)
        # The given layer is only a template (as in Keras): the two directions are copies of
        # it, and only its config is kept, so it never shows up in weights or saved files.
        self._layer_config = serialize_layer(layer)
        self._given_backward = backward_layer is not None
        self.forward_layer = _recreate(layer, "forward_" + layer.name)
        if backward_layer is None:
            self.backward_layer = _recreate(layer, "backward_" + layer.name,
                                            go_backwards=not layer.go_backwards)
        else:
            backward_layer._name = "backward_" + backward_layer.name
            self.backward_layer = backward_layer
        self._check_pair()
        # Masked steps output zeros in both directions, so the reversed backward sequence
        # lines up with the forward one (as tf_keras forces).
        for direction in (self.forward_layer, self.backward_layer):
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self.supports_masking = True
        self._initial_weights = weights

    def _check_pair(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards="
                             f"{forward.go_backwards}, backward_layer.go_backwards="
                             f"{backward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attribute, None), getattr(backward, attribute, None)
            if a != b:
                raise ValueError(f"Forward layer and backward layer are expected to have the "
                                 f"same value for attribute \"{attribute}\", got \"{a}\" for "
                                 f"forward layer and \"{b}\" for backward layer")

    @property
    def _state_count(self) -> int:
        cell = getattr(self.forward_layer, "cell", None)
        if cell is None:
            return 0
        size = cell.state_size
        return len(size) if _is_nested(size) else 1

    def build(self, input_shape) -> None:
        shape = input_shape
        if isinstance(shape, (list, tuple)) and shape and isinstance(
                shape[0], (tf.TensorShape, list, tuple)):
            shape = shape[0]
        _build(self.forward_layer, tf.TensorShape(shape))
        _build(self.backward_layer, tf.TensorShape(shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        forward = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            forward, states = forward[0], list(forward[1:])
        forward = tf.TensorShape(forward)
        if self.merge_mode == "concat":
            dims = forward.as_list()
            last = None if dims[-1] is None else 2 * dims[-1]
            output = tf.TensorShape([*dims[:-1], last])
        else:
            output = forward
        outputs = [forward, forward] if self.merge_mode is None else [output]
        if self.return_state:
            return [*outputs, *states, *states]
        return outputs if self.merge_mode is None else output

    def call(self, inputs, training=None, mask=None, initial_state=None):
        """Run both directions and merge; with `return_state`, forward states come first."""
        if _is_nested(inputs):
            if initial_state is None and len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
        forward_kwargs = _call_kwargs(self.forward_layer, training, mask)
        backward_kwargs = _call_kwargs(self.backward_layer, training, mask)
        if initial_state is not None:
            states = list(initial_state) if _is_nested(initial_state) else [initial_state]
            if len(states) % 2:
                raise ValueError(f"When passing `initial_state` to a Bidirectional RNN "
                                 f"('{self.name}'), the state should be a list containing the "
                                 f"states of the underlying RNNs (forward first). Received "
                                 f"{len(states)} states.")
            half = len(states) // 2
            forward_kwargs["initial_state"] = states[:half]
            backward_kwargs["initial_state"] = states[half:]
        forward = self.forward_layer(inputs, **forward_kwargs)
        backward = self.backward_layer(inputs, **backward_kwargs)
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            time_axis = 0 if getattr(self.backward_layer, "time_major", False) else 1
            backward = tf.reverse(backward, [time_axis])
        if self.merge_mode == "concat":
            output = tf.concat([forward, backward], axis=-1)
        elif self.merge_mode == "sum":
            output = forward + backward
        elif self.merge_mode == "ave":
            output = (forward + backward) / 2
        elif self.merge_mode == "mul":
            output = forward * backward
        else:
            output = [forward, backward]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if _is_nested(mask):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return masks + [None] * (2 * self._state_count)
        return masks if self.merge_mode is None else output_mask

    def reset_states(self, states=None) -> None:
        """Reset both directions' states (forward states first when `states` is given)."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        states = list(states)
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    @property
    def states(self) -> list:
        return list(self.forward_layer.states) + list(self.backward_layer.states)

    @property
    def layer(self):
        """The forward direction (the template's first copy)."""
        return self.forward_layer

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config["layer"] = self._layer_config
        config["merge_mode"] = self.merge_mode
        if self._given_backward:
            config["backward_layer"] = serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return super().from_config(config, custom_objects)


def _recreate(layer, name: str, **overrides):
    """A fresh copy of `layer` (same config, new weights) under a new name."""
    config = layer.get_config()
    config.update(overrides, name=name)
    if isinstance(layer, RNN) and not isinstance(layer, _CellOwningRNN):
        cells = ([layer.cell] + list(layer.cell.cells) if isinstance(layer.cell, StackedRNNCells)
                 else [layer.cell])
        return type(layer).from_config(config, custom_objects={
            type(cell).__name__: type(cell) for cell in cells})
    return type(layer).from_config(config)
