"""`tf.function`: trace a Python function into a graph, optimize it, compile it, cache it.

A call computes a cache key from its arguments (each tensor's dtype and shape,
Python values by value, variables by dtype and shape, structures by
structure); a miss traces the function with symbolic inputs, runs the pass
pipeline and generates code. Calling the compiled code does no dispatch:
arrays in, arrays out, wrapped once at the boundary.
"""

from __future__ import annotations

import collections
import functools
import inspect
import logging
import weakref

import numpy as np

from eagerflow.autodiff.tape import GradientTape
from eagerflow.compiler.codegen import compile_graph
from eagerflow.compiler.pipeline import optimize
from eagerflow.core import dtypes, nest
from eagerflow.core.context import state
from eagerflow.core.errors import InvalidArgumentError, OpError
from eagerflow.core.primitive import Spec
from eagerflow.core.shape import TensorShape
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import EagerTensor, Tensor, constant_array, wrap
from eagerflow.core.variable import Variable
from eagerflow.graph.builder import GraphBuilder, tracing
from eagerflow.graph.interpreter import replay, run_arrays
from eagerflow.graph.ir import PLACEHOLDER, Graph

__all__ = ["function", "Function", "ConcreteFunction", "run_functions_eagerly",
           "functions_run_eagerly"]

_log = logging.getLogger("eagerflow")
_RUN_EAGERLY = [False]


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every tf.function run its Python function eagerly (for debugging)."""
    _RUN_EAGERLY[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _RUN_EAGERLY[0]


# --- arguments: keys, leaves, structure ---------------------------------------------------
class _Input:
    """Marks a graph input in a structure (position in the flat input list)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _key(x, leaves: list):
    """Cache key of one argument; appends its graph inputs (tensors, variables) to `leaves`."""
    t = type(x)
    if t is EagerTensor:
        leaves.append(x)
        value = x._value
        return (value.shape, value.dtype)
    if t is np.ndarray:
        leaves.append(x)
        return (x.shape, x.dtype)
    if t is tuple or t is list:
        return (t, tuple([_key(e, leaves) for e in x]))
    if t is dict:
        if not x:
            return (dict, ())
        return (dict, tuple([(k, _key(x[k], leaves)) for k in sorted(x)]))
    if isinstance(x, EagerTensor):  # subclasses, e.g. a variable's slice
        leaves.append(x)
        value = x._value
        return (value.shape, value.dtype)
    if isinstance(x, Variable):
        leaves.append(x)
        return ("variable", x._shape, x._dtype)
    if isinstance(x, np.ndarray):
        leaves.append(x)
        return (x.shape, x.dtype)
    if _is_namedtuple(x):
        return (t, tuple([_key(e, leaves) for e in x]))
    if isinstance(x, collections.abc.Mapping):
        return (t, tuple([(k, _key(x[k], leaves)) for k in sorted(x)]))
    if isinstance(x, (tuple, list)):
        return (t, tuple([_key(e, leaves) for e in x]))
    if isinstance(x, TensorSpec):
        leaves.append(x)
        return ("spec", x.shape, x.dtype)
    tracing_type = getattr(x, "__tf_tracing_type__", None)
    if tracing_type is not None:
        return ("custom", tracing_type(None))
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    if isinstance(x, Tensor):
        raise TypeError("A symbolic tensor from another tf.function was passed as an argument.")
    return ("value", type(x) if isinstance(x, (str, bytes, type(None))) else None, x)


def _map_leaves(x, leaf_fn):
    """Rebuild `x` with `leaf_fn` applied to tensors, arrays, variables and specs, in `_key`
    order."""
    if isinstance(x, (EagerTensor, np.ndarray, Variable, TensorSpec)):
        return leaf_fn(x)
    if isinstance(x, Tensor):
        return leaf_fn(x)
    if type(x) is dict or isinstance(x, collections.abc.Mapping):
        mapped = {k: _map_leaves(x[k], leaf_fn) for k in sorted(x)}
        rebuilt = {k: mapped[k] for k in x}
        return rebuilt if type(x) is dict else type(x)(rebuilt)
    if _is_namedtuple(x):
        return type(x)(*[_map_leaves(e, leaf_fn) for e in x])
    if isinstance(x, (tuple, list)):
        return type(x)([_map_leaves(e, leaf_fn) for e in x])
    return x


def _spec_of_leaf(leaf) -> Spec:
    if isinstance(leaf, EagerTensor):
        return Spec(leaf._value.shape, leaf.dtype)
    if isinstance(leaf, TensorSpec):
        return Spec(leaf.shape.as_tuple(), leaf.dtype)
    if isinstance(leaf, Variable):
        return Spec((), dtypes.resource)
    array = np.asarray(leaf)
    return Spec(array.shape, dtypes.from_numpy(array.dtype))


def _relaxed(a: Spec, b: Spec) -> Spec:
    if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
        return Spec(None, a.dtype)
    return Spec(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), a.dtype)


def _compatible(spec: Spec, leaf) -> bool:
    other = _spec_of_leaf(leaf)
    if other.dtype != spec.dtype:
        return False
    if spec.shape is None:
        return True
    if other.shape is None or len(other.shape) != len(spec.shape):
        return False
    return all(a is None or a == b for a, b in zip(spec.shape, other.shape))


# --- concrete functions ----------------------------------------------------------------------
class _FunctionCall:
    """The op a tape records when a ConcreteFunction runs eagerly under it."""

    multiple_results = True

    def __init__(self, concrete: ConcreteFunction) -> None:
        self.name = f"call_{concrete.graph.name}"
        self.concrete = concrete  # the tape's record keeps the function alive until used

    def grad(self, g, outputs, *inputs):
        return self.concrete._backward()(*inputs, *g)


class ConcreteFunction:
    """One traced and compiled specialization of a tf.function.

    `graph` is the traced graph, `optimized_graph` what the passes made of it,
    `python_source` the generated code that runs.
    """

    def __init__(self, graph: Graph, builder: GraphBuilder, input_kinds: list,
                 input_structure, output_structure) -> None:
        self.graph = graph
        self.optimized_graph = optimize(graph)
        self._compiled = compile_graph(self.optimized_graph, _identifier(graph.name))
        self._input_kinds = input_kinds
        self._input_specs = [v.spec for v in graph.inputs]
        self._input_structure = input_structure
        self._output_structure = output_structure
        self._read_variables = list(builder.read_variables.values())
        # Variables the graph captured (not passed as arguments): extra inputs of the
        # gradient of an eager call.
        self._captured_variables = [
            v for v in self._read_variables
            if builder.variable_handles[id(v)].node.op is not PLACEHOLDER]
        self._backward_function = None
        self._pack_outputs = _packer(output_structure)

    @property
    def python_source(self) -> str:
        """The generated Python source that runs when this function is called."""
        return self._compiled.python_source

    @property
    def structured_input_signature(self):
        def to_spec(x):
            if isinstance(x, _Input):
                spec = self._input_specs[x.index]
                if spec.dtype is dtypes.resource:
                    return "variable"
                return TensorSpec(TensorShape._from_tuple(spec.shape), spec.dtype)
            return x
        return _map_inputs(self._input_structure, to_spec)

    @property
    def structured_outputs(self):
        return self._output_structure_symbolic

    @property
    def inputs(self) -> list:
        return list(self.graph.inputs)

    @property
    def outputs(self) -> list:
        return [v for v in self.graph.outputs if v is not None]

    @property
    def variables(self) -> tuple:
        return tuple(self._read_variables)

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self._read_variables if v.trainable)

    def pretty_printed_graph(self) -> str:
        return str(self.optimized_graph)

    def __call__(self, *args, **kwargs):
        """Call with tensors for the traced inputs (structured like the trace, or flat)."""
        leaves: list = []
        _key((args, kwargs), leaves)
        if len(leaves) != len(self._input_kinds):
            raise TypeError(f"{self.graph.name}: expected {len(self._input_kinds)} tensor "
                            f"arguments, got {len(leaves)}.")
        for index, (spec, leaf) in enumerate(zip(self._input_specs, leaves)):
            if spec.dtype is not dtypes.resource and not _compatible(spec, leaf):
                got = _spec_of_leaf(leaf)
                raise InvalidArgumentError(
                    None, None,
                    f"cannot compute {self.graph.name} as input #{index}(zero-based) was expected "
                    f"to be a {spec.dtype.name} tensor of shape {_shape_text(spec.shape)} but is "
                    f"a {got.dtype.name} tensor of shape {_shape_text(got.shape)}")
        return self._call_leaves(leaves)

    def _call_leaves(self, leaves: list):
        arrays = []
        for kind, leaf in zip(self._input_kinds, leaves):
            if type(leaf) is EagerTensor:
                arrays.append(leaf._value)
            elif kind == "variable":
                arrays.append(leaf)
            elif isinstance(leaf, EagerTensor):
                arrays.append(leaf._value)
            else:  # a caller's NumPy array: copied, so no output or variable aliases it
                arrays.append(np.array(leaf, copy=True) if isinstance(leaf, np.ndarray)
                              else constant_array(leaf, None))
        outputs = [wrap(r) for r in self._call_arrays(arrays)]
        if not state.plain and state.local.tapes:
            self._record(leaves, outputs)
        return self._pack_outputs(outputs)

    def _call_arrays(self, arrays: list) -> list:
        """Run the compiled code on NumPy arrays (variables for variable inputs) and return
        its output arrays: no keys, no checks, no wrapping (tf.data's per-element path)."""
        try:
            return self._compiled(*arrays)
        except OpError:
            raise
        except Exception:
            run_arrays(self.optimized_graph, list(arrays))  # raises the op's error with its line
            raise

    def _pack(self, outputs: list):
        def fill(x):
            return outputs[x.index] if isinstance(x, _Input) else x
        return _map_inputs(self._output_structure, fill)

    # --- gradients of an eager call ---------------------------------------------------------
    def _record(self, leaves: list, outputs: list) -> None:
        inputs = []
        for kind, leaf in zip(self._input_kinds, leaves):
            inputs.append(leaf if kind == "variable" or isinstance(leaf, EagerTensor)
                          else wrap(np.asarray(leaf)))
        for tape in state.local.tapes:
            if tape._watch_accessed_variables:
                for variable in self._read_variables:
                    if variable.trainable:
                        tape._watch_variable(variable)
            tape._record_operation(_FunctionCall(self), inputs + self._captured_variables,
                                   tuple(outputs), {})

    def _backward(self):
        """A tf.function computing input and variable gradients from output cotangents.

        It replays the traced graph under a tape (recomputing the forward pass), so
        it is differentiable again and compiles like any other function.
        """
        if self._backward_function is None:
            graph = self.graph
            count = len(self._input_kinds) + len(self._captured_variables)

            def backward(*flat):
                inputs, cotangents = list(flat[:count]), list(flat[count:])
                with GradientTape(watch_accessed_variables=False) as tape:
                    for x in inputs:
                        if isinstance(x, Variable) or x.dtype.is_floating or x.dtype.is_complex:
                            tape.watch(x)
                    outs = replay(graph, inputs[:len(self._input_kinds)])
                targets, seeds = [], []
                for out, g in zip([o for o in outs if o is not None], cotangents):
                    if out.dtype.is_floating or out.dtype.is_complex:
                        targets.append(out)
                        seeds.append(g)
                if not targets:
                    return [None] * len(inputs)
                return tape.gradient(targets, inputs, output_gradients=seeds)

            self._backward_function = Function(backward, name=f"{graph.name}_backward",
                                               autograph=False)
        return self._backward_function


def _packer(structure):
    """A function building the output structure from the flat outputs: the common shapes (one
    output, a flat dict, tuple or list of outputs) without walking the structure per call."""
    if isinstance(structure, _Input):
        index = structure.index
        return lambda outputs: outputs[index]
    if type(structure) is dict and all(type(v) is _Input for v in structure.values()):
        pairs = [(key, marker.index) for key, marker in structure.items()]
        return lambda outputs: {key: outputs[index] for key, index in pairs}
    if type(structure) in (tuple, list) and all(type(v) is _Input for v in structure):
        indices = [marker.index for marker in structure]
        kind = type(structure)
        return lambda outputs: kind([outputs[index] for index in indices])

    def pack(outputs):
        return _map_inputs(structure, lambda x: outputs[x.index] if isinstance(x, _Input) else x)
    return pack


def _shape_text(shape) -> str:
    return "<unknown>" if shape is None else str(TensorShape._from_tuple(tuple(shape)))


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"f_{cleaned}"


def _map_inputs(structure, fn):
    if isinstance(structure, _Input):
        return fn(structure)
    if type(structure) is dict or isinstance(structure, collections.abc.Mapping):
        rebuilt = {k: _map_inputs(v, fn) for k, v in structure.items()}
        return rebuilt if type(structure) is dict else type(structure)(rebuilt)
    if _is_namedtuple(structure):
        return type(structure)(*[_map_inputs(e, fn) for e in structure])
    if isinstance(structure, (tuple, list)):
        return type(structure)([_map_inputs(e, fn) for e in structure])
    return fn(structure)


# --- tf.function ----------------------------------------------------------------------------
class _TracingDetector:
    """Warns when a function retraces too often (5 of the last 10 calls, at most twice)."""

    def __init__(self) -> None:
        self.history = collections.deque(maxlen=10)
        self.warnings = 0

    def record(self, traced: bool, function, changed: str) -> None:
        self.history.append(traced)
        if traced and self.warnings < 2 and sum(self.history) >= 5:
            self.warnings += 1
            _log.warning(
                "%d out of the last %d calls to %s triggered tf.function retracing (last "
                "change: %s). Tracing is expensive and the excessive number of tracings could be "
                "due to (1) creating @tf.function repeatedly in a loop, (2) passing tensors with "
                "different shapes, (3) passing Python objects instead of tensors. Consider "
                "input_signature=[tf.TensorSpec(shape=[None, ...])] or reduce_retracing=True.",
                sum(self.history), len(self.history), function, changed)


class Function:
    """A Python function compiled on first call per input signature (`tf.function`)."""

    def __init__(self, python_function, name: str | None = None, input_signature=None,
                 autograph: bool = True, reduce_retracing: bool = False, jit_compile=None,
                 experimental_relax_shapes: bool | None = None, **experimental) -> None:
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = None if input_signature is None else list(input_signature)
        self._autograph = autograph
        self._reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self._jit_compile = jit_compile
        self._cache: dict = {}
        self._concretes: list = []          # (flat leaf specs, structure key, concrete)
        self._tracing_count = 0
        self._variables_frozen = False
        self._detector = _TracingDetector()
        self._converted = None
        self._bound_instances = weakref.WeakKeyDictionary()
        self._signature = None
        self._plain_arity = -1  # parameter count when all are plain positional-or-keyword
        self._last_key = None
        functools.update_wrapper(self, python_function, updated=())

    # --- descriptor: methods get a per-instance Function ---------------------------------
    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        # One bound Function (and cache) per instance: weakly keyed, or kept in the instance's
        # __dict__ when it is unhashable (a dataclass with eq=True, say).
        slot = f"_eagerflow_function_{id(self)}"
        try:
            bound = self._bound_instances.get(instance)
        except TypeError:
            bound = getattr(instance, "__dict__", {}).get(slot)
        if bound is None:
            bound = Function(functools.partial(self._python_function, instance), self._name,
                             self._input_signature, self._autograph, self._reduce_retracing,
                             self._jit_compile)
            bound._method_of = self._python_function
            try:
                self._bound_instances[instance] = bound
            except TypeError:
                if hasattr(instance, "__dict__"):
                    instance.__dict__[slot] = bound
        return bound

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def _function_to_trace(self):
        if self._converted is None:
            self._converted = self._python_function
            if self._autograph:
                try:
                    from eagerflow.autograph import convert_for_tracing
                except ImportError:
                    pass
                else:
                    self._converted = convert_for_tracing(self._python_function)
        return self._converted

    # --- calling --------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _RUN_EAGERLY[0]:
            return self._python_function(*args, **kwargs)
        if not state.plain and state.local.builder is not None:
            return self._function_to_trace()(*args, **kwargs)  # inlined into the outer trace
        concrete, leaves = self._concrete_for(args, kwargs)
        return concrete._call_leaves(leaves)

    def _canonical(self, args, kwargs):
        """Arguments bound to the signature with defaults applied, so that `f(x)` and
        `f(x, training=False)` share a trace (skipped when every parameter was passed)."""
        if not kwargs and len(args) == self._plain_arity and self._input_signature is None:
            return args, kwargs
        if self._signature is None:
            try:
                self._signature = inspect.signature(self._python_function)
            except (TypeError, ValueError):
                return args, kwargs
            parameters = self._signature.parameters.values()
            if all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters):
                self._plain_arity = len(parameters)
            if not kwargs and len(args) == self._plain_arity and self._input_signature is None:
                return args, kwargs
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self._name}(): {exc}") from None
        bound.apply_defaults()
        return bound.args, bound.kwargs

    def _concrete_for(self, args, kwargs):
        if self._input_signature is not None:
            return self._concrete_for_signature(args, kwargs)
        args, kwargs = self._canonical(args, kwargs)
        leaves: list = []
        key = _key((args, kwargs), leaves)
        concrete = self._cache.get(key)
        if concrete is not None:
            self._detector.history.append(False)
            return concrete, leaves
        specs = [_spec_of_leaf(leaf) for leaf in leaves]
        structure = _structure_key(key)
        for flat_specs, structure_key, candidate in self._concretes:
            if structure_key == structure and all(
                    s.dtype is dtypes.resource or _compatible(s, leaf)
                    for s, leaf in zip(flat_specs, leaves)):
                self._cache[key] = candidate
                return candidate, leaves
        if self._reduce_retracing:
            for flat_specs, structure_key, _ in self._concretes:
                if structure_key == structure:
                    specs = [s if s.dtype is dtypes.resource else _relaxed(s, t)
                             for s, t in zip(flat_specs, specs)]
                    break
        concrete = self._trace(args, kwargs, specs)
        self._concretes.append((specs, structure, concrete))
        self._cache[key] = concrete
        if self._detector.history.count(True) >= 4 or len(self._concretes) >= 5:
            change = _describe_change(self._last_key, key, self._parameter_names())
        else:
            change = "new arguments"
        self._last_key = key
        self._detector.record(True, self._python_function, change)
        return concrete, leaves

    def _concrete_for_signature(self, args, kwargs):
        args, kwargs = self._canonical(args, kwargs)
        leaves: list = []
        _key(tuple(args), leaves)
        specs = self._input_signature_specs()
        if len(leaves) != len(specs):
            raise TypeError(f"Binding inputs to tf.function {self._name} failed: the "
                            f"input_signature has {len(specs)} tensors but the call passed "
                            f"{len(leaves)}.")
        for spec, leaf in zip(specs, leaves):
            if not _compatible(spec, leaf):
                got = _spec_of_leaf(leaf)
                raise TypeError(
                    f"Binding inputs to tf.function failed due to 'Can not cast "
                    f"TensorSpec(shape={_shape_text(got.shape)}, dtype=tf.{got.dtype.name}, "
                    f"name=None) to TensorSpec(shape={_shape_text(spec.shape)}, "
                    f"dtype=tf.{spec.dtype.name}, name=None)'.")
        if not self._concretes:
            structure = nest.pack_sequence_as(self._input_signature,
                                              [TensorSpec(TensorShape._from_tuple(s.shape),
                                                          s.dtype) for s in specs])
            concrete = self._trace(tuple(structure), {}, specs)
            self._concretes.append((specs, None, concrete))
        return self._concretes[0][2], leaves

    def _input_signature_specs(self) -> list:
        return [Spec(TensorShape(s.shape).as_tuple(), dtypes.as_dtype(s.dtype))
                for s in nest.flatten(self._input_signature)]

    def _parameter_names(self) -> list:
        try:
            return list(inspect.signature(self._python_function).parameters)
        except (TypeError, ValueError):
            return []

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """Trace (or reuse) the specialization for these arguments or TensorSpecs."""
        if self._input_signature is not None and not args and not kwargs:
            if not self._concretes:
                specs = self._input_signature_specs()
                structure = nest.pack_sequence_as(
                    self._input_signature,
                    [TensorSpec(TensorShape._from_tuple(s.shape), s.dtype) for s in specs])
                self._concretes.append((specs, None, self._trace(tuple(structure), {}, specs)))
            return self._concretes[0][2]
        if any(isinstance(x, TensorSpec) for x in nest.flatten((args, kwargs))):
            args, kwargs = self._canonical(args, kwargs)
            leaves: list = []
            key = _key((args, kwargs), leaves)
            concrete = self._cache.get(key)
            if concrete is None:
                specs = [_spec_of_leaf(leaf) for leaf in leaves]
                concrete = self._trace(args, kwargs, specs)
                self._concretes.append((specs, _structure_key(key), concrete))
                self._cache[key] = concrete
            return concrete
        return self._concrete_for(args, kwargs)[0]

    # --- tracing --------------------------------------------------------------------------
    def _on_variable_created(self, variable) -> None:
        if self._variables_frozen:
            raise ValueError(
                "tf.function only supports singleton tf.Variables created on the first call. "
                "Make sure the tf.Variable is only created once or created outside tf.function.")

    def _trace(self, args, kwargs, specs: list) -> ConcreteFunction:
        graph = Graph(_identifier(self._name))
        builder = GraphBuilder(graph, on_variable_created=self._on_variable_created)
        kinds: list = []
        position = [0]

        def to_symbolic(leaf):
            spec = specs[position[0]]
            position[0] += 1
            if isinstance(leaf, Variable):
                handle = graph.placeholder(spec, len(graph.inputs))
                builder.variable_handles[id(leaf)] = handle
                builder._keepalive.append(leaf)
                kinds.append("variable")
                return leaf
            kinds.append("tensor")
            return graph.placeholder(spec, len(graph.inputs))

        symbolic_args, symbolic_kwargs = _map_leaves((tuple(args), dict(kwargs)), to_symbolic)
        function = self._function_to_trace()
        with tracing(builder):
            result = function(*symbolic_args, **symbolic_kwargs)
            output_structure, outputs = _outputs(result, builder)
        graph.outputs = outputs
        self._tracing_count += 1
        self._variables_frozen = True
        input_structure = _input_markers((tuple(args), dict(kwargs)))
        concrete = ConcreteFunction(graph, builder, kinds, input_structure, output_structure)
        concrete._output_structure_symbolic = _map_inputs(
            output_structure, lambda x: outputs[x.index] if isinstance(x, _Input) else x)
        return concrete

    def __repr__(self) -> str:
        return f"<eagerflow.function {self._name}>"


def _leaf_text(key) -> str:
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], np.dtype):
        return f"a {dtypes.from_numpy(key[1]).name} tensor of shape {_shape_text(key[0])}"
    if isinstance(key, tuple) and key and key[0] == "value":
        return f"the Python value {key[2]!r}"
    if isinstance(key, tuple) and key and key[0] == "object":
        return "a new Python object (objects key by identity)"
    if isinstance(key, tuple) and key and key[0] == "variable":
        return f"a {key[2].name} variable of shape {key[1]}"
    return "a different structure"


def _describe_change(old, new, names: list) -> str:
    """Which argument changed between two cache keys, and how (for the retracing warning)."""
    if old is None:
        return "new arguments"
    (_, (old_args, old_kwargs)), (_, (new_args, new_kwargs)) = old, new
    pairs = [(names[i] if i < len(names) else f"#{i}", a, b)
             for i, (a, b) in enumerate(zip(old_args[1], new_args[1]))]
    pairs += [(str(k), a, b) for (k, a), (_, b) in zip(old_kwargs[1], new_kwargs[1])]
    for name, a, b in pairs:
        if a == b:
            continue
        path = name
        while (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == 2 and len(b) == 2
               and isinstance(a[0], type) and a[0] is b[0] and len(a[1]) == len(b[1])):
            index, (a, b) = next((i, pair) for i, pair in enumerate(zip(a[1], b[1]))
                                 if pair[0] != pair[1])
            if isinstance(a, tuple) and len(a) == 2 and not isinstance(a[0], type) and \
                    isinstance(a[0], str) and a[0] not in ("value", "object", "variable",
                                                          "spec", "custom"):
                path += f"[{a[0]!r}]"
                a, b = a[1], b[1]
            else:
                path += f"[{index}]"
        return f"argument `{path}` was {_leaf_text(a)}, now {_leaf_text(b)}"
    return "a different number or structure of arguments"


def _structure_key(key):
    """The cache key with tensor shapes left out (same structure, dtypes and Python values)."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], np.dtype):
        return (len(key[0]), key[1])
    if isinstance(key, tuple):
        return tuple(_structure_key(k) for k in key)
    return key


def _input_markers(structure):
    counter = [0]

    def mark(leaf):
        marker = _Input(counter[0])
        counter[0] += 1
        return marker
    return _map_leaves(structure, mark)


def _outputs(result, builder: GraphBuilder):
    """The output structure (graph outputs replaced by markers) and the flat graph outputs."""
    outputs: list = []

    def out(leaf):
        if isinstance(leaf, Variable):
            return leaf
        if isinstance(leaf, (np.ndarray, np.generic, int, float, complex)) and not isinstance(
                leaf, bool):
            leaf = builder.constant(constant_array(leaf))
        if isinstance(leaf, Tensor):
            outputs.append(builder.capture(leaf))
            return _Input(len(outputs) - 1)
        return leaf

    structure = _map_leaves_all(result, out)
    return structure, outputs


def _map_leaves_all(x, fn):
    if isinstance(x, Tensor) or isinstance(x, Variable):
        return fn(x)
    if type(x) is dict or isinstance(x, collections.abc.Mapping):
        rebuilt = {k: _map_leaves_all(v, fn) for k, v in x.items()}
        return rebuilt if type(x) is dict else type(x)(rebuilt)
    if _is_namedtuple(x):
        return type(x)(*[_map_leaves_all(e, fn) for e in x])
    if isinstance(x, (tuple, list)):
        return type(x)([_map_leaves_all(e, fn) for e in x])
    return fn(x)


def function(func=None, input_signature=None, autograph: bool = True, jit_compile=None,
             reduce_retracing: bool = False, experimental_implements=None,
             experimental_autograph_options=None, experimental_relax_shapes=None,
             experimental_attributes=None, experimental_follow_type_hints=None, name=None):
    """Compile `func` into a graph function (decorator or call), as `tf.function`."""
    def decorate(f):
        return Function(f, name=name, input_signature=input_signature, autograph=autograph,
                        reduce_retracing=reduce_retracing, jit_compile=jit_compile,
                        experimental_relax_shapes=experimental_relax_shapes)
    if func is None:
        return decorate
    return decorate(func)
