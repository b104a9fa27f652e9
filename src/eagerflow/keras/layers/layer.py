"""`tf.keras.layers.Layer`: the base class of every layer and model (tf_keras semantics).

A layer owns weights (made by `add_weight` in `build`, which runs once, on the first call,
with the input shape) and sub-layers (tracked when assigned as attributes). Calling a layer
converts the inputs, builds it, and runs `call` — as is when eager, converted by AutoGraph
when traced inside tf.function — or, given the functional API's KerasTensors, records a node
and returns KerasTensors whose shapes come from tracing `call` once on placeholders.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import weakref

import numpy as np

from eagerflow.core import dtypes as dtypes_module
from eagerflow.core import nest
from eagerflow.core.context import state
from eagerflow.core.module import Module
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import Tensor, convert_to_tensor
from eagerflow.core.variable import Variable
from eagerflow.keras import backend
from eagerflow.keras.keras_tensor import KerasTensor, Node, keras_tensors_in

__all__ = ["Layer", "InputSpec"]

_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                   "activity_regularizer", "autocast", "input_length", "implementation"}


class _CallContext(threading.local):
    """The `training` value of the enclosing layer call, inherited by inner layer calls."""

    def __init__(self) -> None:
        self.training = None


_call_context = _CallContext()


class _NameScope(threading.local):
    """The layers being built or called, outermost first: weights made inside them are named
    under their names (`outer/dense/kernel:0`), as tf.keras names nested weights."""

    def __init__(self) -> None:
        self.layers: list = []


_name_scope = _NameScope()

# Layers whose call added losses not yet cleared: an outermost call walks its layer tree to
# clear them only when there are any (the walk costs a few µs per eager model call).
_layers_holding_losses: weakref.WeakSet = weakref.WeakSet()


def _scoped_build(build):
    """Wrap a subclass's `build` so that layers it builds inside are named under it."""

    @functools.wraps(build)
    def build_in_scope(self, *args, **kwargs):
        _name_scope.layers.append(self)
        try:
            return build(self, *args, **kwargs)
        finally:
            _name_scope.layers.pop()

    build_in_scope._in_name_scope = True
    return build_in_scope


def _to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name.lstrip("_") or "layer"


class InputSpec:
    """What a layer accepts: dtype, shape or ndim/min_ndim/max_ndim, and fixed axes sizes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None) -> None:
        self.dtype = dtypes_module.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name

    def __repr__(self) -> str:
        parts = [f"{key}={value}" for key, value in (
            ("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim), ("axes", self.axes))
            if value]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)


def _check_input_spec(layer: Layer, specs, inputs) -> None:
    """Raise Keras's ValueError when an input's rank or fixed axes do not fit the layer."""
    flat_specs = nest.flatten(specs)
    flat_inputs = nest.flatten(inputs)
    for index, (spec, value) in enumerate(zip(flat_specs, flat_inputs)):
        if spec is None:
            continue
        shape = TensorShape(value.shape)
        if shape.rank is None:
            continue
        rank = shape.rank
        problem = None
        if spec.ndim is not None and rank != spec.ndim:
            problem = f"expected ndim={spec.ndim}, found ndim={rank}"
        elif spec.min_ndim is not None and rank < spec.min_ndim:
            problem = f"expected min_ndim={spec.min_ndim}, found ndim={rank}"
        elif spec.max_ndim is not None and rank > spec.max_ndim:
            problem = f"expected max_ndim={spec.max_ndim}, found ndim={rank}"
        else:
            dims = shape.as_list()
            for axis, size in spec.axes.items():
                actual = dims[axis] if -rank <= axis < rank else None
                if size is not None and actual is not None and actual != size:
                    problem = (f"expected axis {axis} of input shape to have value {size}, "
                               f"but received input with shape {tuple(dims)}")
                    break
            if problem is None and spec.shape is not None:
                for expected, actual in zip(spec.shape, dims):
                    if expected is not None and actual is not None and expected != actual:
                        problem = (f"expected shape={spec.shape}, found shape={tuple(dims)}")
                        break
        if problem is not None:
            raise ValueError(f'Input {index} of layer "{layer.name}" is incompatible with the '
                             f"layer: {problem}. Full shape received: "
                             f"{tuple(shape.as_list())}")


class Layer(Module):
    """Base class of layers: weights, sub-layers, build-on-first-call, and `call`.

    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_in_name_scope", False):
            cls.build = _scoped_build(build)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 dynamic: bool = False, **kwargs) -> None:
        unknown = set(kwargs) - _ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} "
                            f"(layer {type(self).__name__})")
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_own_weights", [])
        if name is None:
            name = backend.unique_object_name(_to_snake_case(type(self).__name__))
        elif not isinstance(name, str):
            raise TypeError(f"Layer name must be a string, got {name!r}")
        super().__init__(name=None)
        self._name = name
        self._scope_name = name
        self._trainable = bool(trainable)
        self._dtype = _dtype_name(dtype)
        self.built = False
        self.dynamic = dynamic
        self.supports_masking = False
        self._input_spec = None
        self._inbound_nodes: list = []
        self._losses: list = []
        self._callable_losses: list = []
        self._activity_regularizer = kwargs.get("activity_regularizer")
        self._autocast = kwargs.get("autocast", True)
        self._initial_weights = kwargs.get("weights")
        self._converted_call = None
        self._build_input_shape = None
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            input_shape = kwargs.get("input_shape")
            if input_shape is None and kwargs.get("input_dim") is not None:
                input_shape = (kwargs["input_dim"],)
                if kwargs.get("input_length") is not None:
                    input_shape = (kwargs["input_length"],)
            if input_shape is not None:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = (tuple(batch_input_shape) if batch_input_shape is not None
                                   else None)
        signature = inspect.signature(self.call)
        parameters = signature.parameters
        self._expects_training_arg = "training" in parameters or any(
            p.kind is p.VAR_KEYWORD for p in parameters.values())
        self._expects_mask_arg = "mask" in parameters or any(
            p.kind is p.VAR_KEYWORD for p in parameters.values())
        self._call_positional = [name for name, p in parameters.items()
                                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    # --- attribute tracking ----------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if "_tracked_layers" not in self.__dict__:
            raise RuntimeError(f"It looks like you are subclassing `Layer` and forgot to call "
                               f"`super().__init__()` before setting {name!r}. Always start "
                               "with this line.")
        if not name.startswith("__"):
            for layer in _layers_in(value):
                if layer is not self and all(layer is not known for known in self._tracked_layers):
                    self._tracked_layers.append(layer)
            if isinstance(value, Variable) and all(value is not w for w in self._own_weights):
                self._own_weights.append(value)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        value = getattr(self, name, None)
        object.__delattr__(self, name)
        for layer in _layers_in(value):
            self._tracked_layers[:] = [known for known in self._tracked_layers
                                       if known is not layer]
        if isinstance(value, Variable):
            self._own_weights[:] = [w for w in self._own_weights if w is not value]

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True):
        """This layer (if asked) and its sub-layers, depth first, each once."""
        if include_self:
            yield self
        seen = {id(self)}
        pending = list(self._tracked_layers)
        while pending:
            layer = pending.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            yield layer
            if recursive:
                pending[:0] = list(layer._tracked_layers)

    @property
    def _layers(self) -> list:
        return list(self._tracked_layers)

    # --- naming and dtype --------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (a string, as in Keras)."""
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    @property
    def dtype_policy(self):
        return _Policy(self._dtype)

    # --- weights --------------------------------------------------------------------------
    def add_weight(self, name: str | None = None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable: bool | None = None, constraint=None,
                   use_resource=None, synchronization=None, aggregation=None,
                   **kwargs) -> Variable:
        """Create a weight of this layer (a tf.Variable named `<layer>/<name>`).

        The initializer defaults to glorot_uniform for floats and zeros otherwise; a
        regularizer adds its penalty to `layer.losses`.
        """
        from eagerflow.keras import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) if d is not None else d for d in shape)
        if any(d is None or d < 0 for d in shape):
            raise ValueError(f"Layer {self.name}: weight {name!r} needs a fully defined "
                             f"non-negative shape, got {shape}.")
        dtype = dtypes_module.as_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        initializer = initializers.get(initializer)
        if trainable is None:
            trainable = True
        from eagerflow.core.variable import VariableSynchronization

        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to "
                             "VariableSynchronization.ON_READ only for non-trainable variables. "
                             f"You have specified trainable=True and synchronization=ON_READ "
                             f"for weight {name!r} of layer {self.name}.")
        from eagerflow.graph.builder import init_scope

        with init_scope():
            value = initializer(shape, dtype=dtype)
            variable = Variable(value, trainable=trainable, name=self._weight_name(name),
                                dtype=dtype, constraint=constraints.get(constraint))
        object.__setattr__(self, "_own_weights", self._own_weights + [variable])
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._callable_losses.append(lambda: regularizer(variable))
        return variable

    def _weight_name(self, name: str | None) -> str:
        """`<enclosing layers>/<layer>/<name>`: the enclosing layers are those being built or
        called around this one (each once, this layer excluded)."""
        parts = []
        for layer in _name_scope.layers:
            if layer is not self and layer.name not in parts:
                parts.append(layer.name)
        parts += [self.name, name or "Variable"]
        return "/".join(parts)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    def _own_trainable(self) -> list:
        return [w for w in self._own_weights if w.trainable] if self._trainable else []

    def _own_non_trainable(self) -> list:
        if not self._trainable:
            return list(self._own_weights)
        return [w for w in self._own_weights if not w.trainable]

    @property
    def trainable_weights(self) -> list:
        """Weights the optimizer updates: own first, then sub-layers', each once."""
        return _unique([w for layer in self._flatten_layers() for w in layer._own_trainable()])

    @property
    def non_trainable_weights(self) -> list:
        return _unique([w for layer in self._flatten_layers()
                        for w in layer._own_non_trainable()])

    @property
    def weights(self) -> list:
        return _unique(self.trainable_weights + self.non_trainable_weights)

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in `layer.weights` order."""
        return [np.array(w.numpy()) for w in self.weights]

    def set_weights(self, weights) -> None:
        """Assign NumPy values to `layer.weights` in order; nothing changes on a mismatch."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a "
                             f"weight list of length {len(weights)}, but the layer was expecting "
                             f"{len(params)} weights. Provided weights: {_abbreviated(weights)}")
        arrays = []
        for variable, value in zip(params, weights):
            array = np.asarray(value)
            if tuple(variable.shape.as_list()) != array.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(variable.shape)} is "
                                 f"not compatible with provided weight shape {array.shape}.")
            arrays.append(array)
        for variable, array in zip(params, arrays):
            variable.assign(array.astype(variable.dtype.as_numpy_dtype, copy=False))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in self.weights))

    # --- losses -----------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a loss (a tensor, or a zero-argument callable) that training minimizes too."""
        if callable(loss) and not isinstance(loss, Tensor):
            self._callable_losses.append(loss)
        else:
            self._losses.append(loss)
            _layers_holding_losses.add(self)

    @property
    def losses(self) -> list:
        """Losses added during the last call (activity regularizers, add_loss) and weight
        regularization penalties, of this layer and its sub-layers."""
        collected = []
        for layer in self._flatten_layers():
            collected.extend(layer._losses)
            collected.extend(fn() for fn in layer._callable_losses)
        return collected

    def _clear_losses(self) -> None:
        if not _layers_holding_losses:  # the common case: no layer added a loss
            return
        for layer in self._flatten_layers():
            layer._losses = []
            _layers_holding_losses.discard(layer)

    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value) -> None:
        self._activity_regularizer = value

    # --- building and calling ---------------------------------------------------------------
    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value) -> None:
        self._input_spec = value

    def build(self, input_shape) -> None:
        """Create the weights, given the input shape; the default creates none."""
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The forward pass; the default returns the inputs."""
        return inputs

    def compute_mask(self, inputs, mask=None):
        """The output mask: the input mask when the layer supports masking, else None."""
        if not self.supports_masking:
            return None
        return mask

    def _maybe_build(self, input_shapes) -> None:
        if self.built:
            return
        from eagerflow.graph.builder import init_scope

        shapes = input_shapes
        if isinstance(shapes, (list, tuple)) and len(shapes) == 1 and not isinstance(
                shapes, TensorShape) and isinstance(shapes[0], TensorShape):
            shapes = shapes[0]
        with init_scope():
            self.build(shapes)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = shapes
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)
        from eagerflow.train.checkpoint_io import restore_pending

        restore_pending()  # a checkpoint restored before this layer had weights

    def __call__(self, *args, **kwargs):
        if not args:
            if "inputs" in kwargs:
                args = (kwargs.pop("inputs"),)
            elif self._call_positional and self._call_positional[0] in kwargs:
                args = (kwargs.pop(self._call_positional[0]),)
            else:
                raise ValueError(f"Layer {self.name}: the first argument to `Layer.call` must "
                                 "always be passed.")
        if keras_tensors_in((args, kwargs)):
            return self._functional_call(args, kwargs)
        if not _name_scope.layers:
            self._clear_losses()  # an outermost call: losses are those of this call only
        inputs = self._convert_inputs(args[0])
        args = (inputs,) + args[1:]
        if self._input_spec is not None:
            _check_input_spec(self, self._input_spec, inputs)
        if not self.built:
            self._maybe_build(_shapes_of(inputs))
        return self._call_with_context(args, kwargs)

    def _call_with_context(self, args, kwargs):
        context = _call_context
        if self._expects_training_arg:
            training = kwargs.get("training")
        else:
            training = kwargs.pop("training", None)  # still passed on to inner layers
        if not self._expects_mask_arg:
            kwargs.pop("mask", None)
        if training is None:
            training = context.training
            if training is not None and self._expects_training_arg:
                kwargs["training"] = training
        elif isinstance(training, Tensor) and not isinstance(training, KerasTensor):
            training = _static_bool(training)
            kwargs["training"] = training
        input_mask = kwargs.get("mask") if self._expects_mask_arg else None
        if input_mask is None:
            previous = [getattr(t, "_keras_mask", None) for t in nest.flatten(args[0])]
            if any(m is not None for m in previous):
                input_mask = (previous[0] if len(previous) == 1 else
                              nest.pack_sequence_as(args[0], previous))
                if self._expects_mask_arg:
                    kwargs["mask"] = input_mask
        previous_training = context.training
        context.training = training
        _name_scope.layers.append(self)
        try:
            outputs = self._call_function()(*args, **kwargs)
        finally:
            _name_scope.layers.pop()
            context.training = previous_training
        if self._activity_regularizer is not None:
            from eagerflow.ops.math import cast

            penalty = sum(self._activity_regularizer(o) for o in nest.flatten(outputs))
            batch = _batch_size(nest.flatten(outputs)[0])
            self._losses.append(penalty / cast(batch, penalty.dtype))
            _layers_holding_losses.add(self)
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            _attach_masks(outputs, self.compute_mask(args[0], input_mask))
        return outputs

    def _call_function(self):
        """`self.call`, converted by AutoGraph while tracing (eager calls run it as is)."""
        if state.plain or state.local.builder is None:
            return self.call
        converted = self._converted_call
        if converted is None:
            from eagerflow.autograph.conversion import convert_for_tracing

            converted = convert_for_tracing(self.call)
            object.__setattr__(self, "_converted_call", converted)
        return converted

    def _convert_inputs(self, inputs):
        """NumPy arrays and Python values become tensors; floats take the layer's dtype."""
        target = dtypes_module.as_dtype(self._dtype) if self._autocast else None

        def convert(value):
            if isinstance(value, (Tensor, Variable)):
                if (target is not None and value.dtype.is_floating and value.dtype != target
                        and target.is_floating):
                    from eagerflow.ops.math import cast

                    return cast(value, target)
                return value
            if value is None or isinstance(value, (str, bytes)):
                return value
            if isinstance(value, np.ndarray) and value.dtype.kind == "f" and target is not None \
                    and target.is_floating:
                return convert_to_tensor(value.astype(target.as_numpy_dtype, copy=False))
            if isinstance(value, (float, list, tuple)) and target is not None \
                    and target.is_floating:
                array = np.asarray(value)
                if array.dtype.kind in "fiu":
                    return convert_to_tensor(array.astype(
                        target.as_numpy_dtype if array.dtype.kind == "f" else array.dtype))
            return convert_to_tensor(value)

        return nest.map_structure(convert, inputs)

    def _functional_call(self, args, kwargs):
        """Record this call in the functional graph and return its symbolic outputs."""
        from eagerflow.core.primitive import Spec
        from eagerflow.graph.builder import GraphBuilder, tracing
        from eagerflow.graph.ir import Graph

        inputs = args[0]
        if self._input_spec is not None:
            _check_input_spec(self, self._input_spec, inputs)
        if not self.built:
            self._maybe_build(nest.map_structure(
                lambda t: t.shape if isinstance(t, KerasTensor) else TensorShape(
                    getattr(t, "shape", ())), inputs))
        graph = Graph(f"{self.name}_symbolic")
        builder = GraphBuilder(graph)
        placeholders = {}

        def placeholder(value):
            if isinstance(value, KerasTensor):
                if id(value) not in placeholders:
                    spec = Spec(tuple(value.shape.as_list()) if value.shape.rank is not None
                                else None, value.dtype)
                    placeholders[id(value)] = graph.placeholder(spec, len(graph.inputs))
                return placeholders[id(value)]
            return value

        symbolic_args = nest.map_structure(placeholder, args)
        symbolic_kwargs = nest.map_structure(placeholder, kwargs)
        with tracing(builder):
            symbolic_args = (self._convert_inputs(symbolic_args[0]),) + tuple(symbolic_args[1:])
            outputs = self._call_with_context(symbolic_args, dict(symbolic_kwargs))
        self._clear_losses()  # symbolic values of the scratch graph, not losses to keep

        def as_keras_tensor(value):
            if isinstance(value, Tensor):
                shape = value.shape
                return KerasTensor(shape, value.dtype)
            return value

        keras_outputs = nest.map_structure(as_keras_tensor, outputs)
        Node(self, tuple(args), dict(kwargs), keras_outputs)
        return keras_outputs

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`, found by tracing `call` symbolically."""
        def as_input(shape):
            return KerasTensor(TensorShape(shape), self._dtype)

        if isinstance(input_shape, (list, tuple)) and input_shape and all(
                isinstance(s, (list, tuple, TensorShape)) for s in input_shape):
            inputs = [as_input(s) for s in input_shape]
        else:
            inputs = as_input(input_shape)
        probe = self._functional_call((inputs,), {})
        self._inbound_nodes.pop()
        return nest.map_structure(lambda t: t.shape, probe)

    def compute_output_signature(self, input_signature):
        from eagerflow.core.spec import TensorSpec

        shapes = self.compute_output_shape(nest.map_structure(lambda s: s.shape,
                                                              input_signature))
        return nest.map_structure(lambda s: TensorSpec(s, self._dtype), shapes)

    # --- functional-graph views -----------------------------------------------------------
    def _node_attribute(self, attribute: str):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f"notion of \"layer {attribute}\" is ill-defined. Use "
                                 f"`get_{attribute}_at(node_index)` instead.")
        node = self._inbound_nodes[0]
        values = node.input_tensors if attribute == "input" else node.output_tensors
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        return self._node_attribute("input")

    @property
    def output(self):
        return self._node_attribute("output")

    def get_input_at(self, node_index: int):
        values = self._inbound_nodes[node_index].input_tensors
        return values[0] if len(values) == 1 else values

    def get_output_at(self, node_index: int):
        values = self._inbound_nodes[node_index].output_tensors
        return values[0] if len(values) == 1 else values

    @property
    def input_shape(self):
        if self._inbound_nodes:
            shapes = [tuple(t.shape.as_list()) for t in self._inbound_nodes[0].input_tensors]
            return shapes[0] if len(shapes) == 1 else shapes
        if self._batch_input_shape is not None:
            return self._batch_input_shape
        raise AttributeError(f'The layer "{self.name}" has never been called and thus has no '
                             "defined input shape.")

    @property
    def output_shape(self):
        if not self._inbound_nodes:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has '
                                 "no defined output shape.")
        shapes = [tuple(t.shape.as_list()) for t in self._inbound_nodes[0].output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    # --- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments as JSON-safe values (subclasses add their own)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        """A new layer from `get_config()`'s output."""
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):  # Keras 3 writes a DTypePolicy object
            config["dtype"] = dtype.get("config", {}).get("name", "float32")
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        try:
            return cls(**config)
        except TypeError as exc:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config="
                            f"{config}.\n\nException encountered: {exc}") from exc

    def get_build_config(self) -> dict | None:
        """The input shape the layer was built for (saved in `.keras` files so that a loaded
        layer or subclassed model can create its weights before they are read)."""
        if not self.built or self._build_input_shape is None:
            return None
        return {"input_shape": _shape_as_list(self._build_input_shape)}

    def build_from_config(self, config: dict) -> None:
        """Build from `get_build_config()`'s output."""
        shape = config.get("input_shape") if isinstance(config, dict) else None
        if shape is None:
            return
        if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int)
                                                     for d in shape):
            shape = TensorShape(shape)
        if isinstance(self, _model_class()):
            from eagerflow.keras.models.model import _trace_call

            _trace_call(self, shape)  # a subclassed model builds by running its call
            self._build_input_shape = shape
            self.built = True
        else:
            self._maybe_build(shape)

    # --- checkpoints -------------------------------------------------------------------------
    def _trackable_children(self) -> dict:
        """Children for TF checkpoints: variables and sub-layers by attribute name."""
        children = {}
        for attribute, value in vars(self).items():
            if attribute in ("_tracked_layers", "_own_weights", "_inbound_nodes",
                             "_converted_call") or attribute.startswith("__"):
                continue
            if isinstance(value, (Variable, Layer)):
                children[attribute] = value
            elif isinstance(value, (list, tuple)) and value and all(
                    isinstance(v, (Variable, Layer)) for v in value):
                children[attribute] = list(value)
        for variable in self._own_weights:
            if all(variable is not v for v in children.values()):
                children.setdefault(variable.name.split("/")[-1], variable)
        return children

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"


class _Policy:
    """The dtype policy a layer reports (one dtype for variables and computation)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.compute_dtype = name
        self.variable_dtype = name

    def __repr__(self) -> str:
        return f'<Policy "{self.name}">'


def _dtype_name(dtype) -> str:
    if dtype is None:
        return backend.floatx()
    if isinstance(dtype, dict):
        return dtype.get("config", {}).get("name", backend.floatx())
    if isinstance(dtype, _Policy):
        return dtype.name
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtype.removeprefix("mixed_")
    return dtypes_module.as_dtype(dtype).name


def _shape_as_list(shape):
    """A (nested) input shape as JSON-safe lists of ints and Nones."""
    if isinstance(shape, TensorShape):
        return shape.as_list() if shape.rank is not None else None
    if isinstance(shape, dict):
        return {key: _shape_as_list(value) for key, value in shape.items()}
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return list(shape)
        return [_shape_as_list(item) for item in shape]
    return shape


def _model_class():
    from eagerflow.keras.models.model import Model

    return Model


def _layers_in(value) -> list:
    if isinstance(value, Layer):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Layer)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Layer)]
    return []


def _unique(variables: list) -> list:
    seen, result = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            result.append(variable)
    return result


def _shapes_of(inputs):
    return nest.map_structure(
        lambda t: TensorShape(t.shape) if hasattr(t, "shape") else TensorShape(()), inputs)


def _batch_size(tensor):
    from eagerflow.ops.array import shape

    return shape(tensor)[0]


def _static_bool(value):
    if state.plain or state.local.builder is None:
        return bool(np.asarray(value.numpy()))
    return value


def _attach_masks(outputs, mask) -> None:
    flat_outputs = nest.flatten(outputs)
    flat_masks = nest.flatten(mask) if mask is not None else [None] * len(flat_outputs)
    if len(flat_masks) != len(flat_outputs):
        flat_masks = [flat_masks[0]] * len(flat_outputs)
    for output, output_mask in zip(flat_outputs, flat_masks):
        if isinstance(output, Tensor):
            try:
                output._keras_mask = output_mask
            except AttributeError:
                pass


def _abbreviated(weights: list) -> str:
    text = str(weights)
    return text if len(text) < 200 else text[:200] + "..."
