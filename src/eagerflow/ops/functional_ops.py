"""Higher-order ops over a tensor's first dimension: tf.map_fn, tf.scan, tf.foldl, tf.foldr.

Eagerly they are Python loops over the elements; inside tf.function they become one
tf.while_loop writing into TensorArrays, so the graph does not grow with the length and
gradients flow through the loop. Output structure and dtypes follow TF: `fn_output_signature`
when given, else the structure and dtypes of `elems` (map_fn) or of the accumulator (scan).
"""

from __future__ import annotations

from eagerflow.core import dtypes, nest
from eagerflow.core.context import state
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import convert_to_tensor
from eagerflow.ops import control_flow
from eagerflow.ops.array import shape as _shape
from eagerflow.ops.array import stack as _stack

__all__ = ["map_fn", "scan", "foldl", "foldr", "vectorized_map"]
NAMESPACES: dict = {}


def _tracing() -> bool:
    return not state.plain and state.local.builder is not None


def _elements(elems):
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must be a tensor or a (possibly nested) sequence of tensors; "
                         "got an empty structure.")
    for tensor in flat:
        if tensor.shape.rank == 0:
            raise ValueError(f"Elements in elems must be 1+ dimensional Tensors, not scalars: "
                             f"got {tensor!r}.")
    return flat


def _length(flat: list):
    static = flat[0].shape[0]
    return static if static is not None else _shape(flat[0])[0]


def _output_dtypes(signature, default_structure):
    """The (structure, flat dtypes) of fn's outputs, by TF's rule."""
    if signature is None:
        return default_structure, [t.dtype for t in nest.flatten(default_structure)]
    flat = [s.dtype if isinstance(s, TensorSpec) else dtypes.as_dtype(s)
            for s in nest.flatten(signature)]
    return signature, flat


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop: bool = True,
           swap_memory: bool = False, infer_shape: bool = True, name=None,
           fn_output_signature=None):
    """`fn` applied to each element of `elems` (unpacked along dimension 0), stacked."""
    flat = _elements(elems)
    signature = fn_output_signature if fn_output_signature is not None else dtype
    n = _length(flat)

    def element(i):
        return nest.pack_sequence_as(elems, [t[i] for t in flat])

    if not _tracing():
        outputs = [fn(element(i)) for i in range(int(n))]
        if not outputs:
            structure, out_dtypes = _output_dtypes(signature, elems)
            return nest.pack_sequence_as(structure, [
                convert_to_tensor(t)[:0] for t in nest.flatten(elems)][:len(out_dtypes)])
        first = outputs[0]
        stacked = [_stack([nest.flatten(o)[k] for o in outputs])
                   for k in range(len(nest.flatten(first)))]
        return nest.pack_sequence_as(first, stacked)
    structure, out_dtypes = _output_dtypes(signature, elems)
    arrays = [control_flow.TensorArray(d, size=n) for d in out_dtypes]

    def body(i, *accumulated):
        result = nest.flatten(fn(element(i)))
        return (i + 1, *[a.write(i, r) for a, r in zip(accumulated, result)])

    final = control_flow.while_loop(lambda i, *_: i < n, body, [0, *arrays],
                                    back_prop=back_prop)
    return nest.pack_sequence_as(structure, [a.stack() for a in final[1:]])


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop: bool = True,
         swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name=None):
    """The successive accumulators of `acc = fn(acc, element)` over `elems`, stacked."""
    flat = _elements(elems)
    n = _length(flat)

    def element(i):
        return nest.pack_sequence_as(elems, [t[i] for t in flat])

    order = (lambda i: n - 1 - i) if reverse else (lambda i: i)
    if initializer is None:
        accumulator, start = element(order(0)), 1
    else:
        accumulator, start = nest.map_structure(convert_to_tensor, initializer), 0
    if not _tracing():
        results = [] if initializer is not None else [accumulator]
        for step in range(start, int(n)):
            accumulator = fn(accumulator, element(order(step)))
            results.append(accumulator)
        if reverse:
            results = results[::-1]
        flat_results = [_stack([nest.flatten(r)[k] for r in results])
                        for k in range(len(nest.flatten(accumulator)))]
        return nest.pack_sequence_as(accumulator, flat_results)
    flat_acc = nest.flatten(accumulator)
    arrays = [control_flow.TensorArray(t.dtype, size=n) for t in flat_acc]
    if start == 1:
        arrays = [a.write(order(0), t) for a, t in zip(arrays, flat_acc)]
    count = len(flat_acc)

    def body(i, *state_values):
        acc = nest.pack_sequence_as(accumulator, list(state_values[:count]))
        new = nest.flatten(fn(acc, element(order(i))))
        written = [a.write(order(i), v) for a, v in zip(state_values[count:], new)]
        return (i + 1, *new, *written)

    final = control_flow.while_loop(lambda i, *_: i < n, body, [start, *flat_acc, *arrays],
                                    back_prop=back_prop)
    return nest.pack_sequence_as(accumulator, [a.stack() for a in final[1 + count:]])


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop: bool = True,
          swap_memory: bool = False, name=None):
    """The last accumulator of `acc = fn(acc, element)` from the first element to the last."""
    return _fold(fn, elems, initializer, back_prop, reverse=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop: bool = True,
          swap_memory: bool = False, name=None):
    """The last accumulator of `acc = fn(acc, element)` from the last element to the first."""
    return _fold(fn, elems, initializer, back_prop, reverse=True)


def _fold(fn, elems, initializer, back_prop: bool, reverse: bool):
    flat = _elements(elems)
    n = _length(flat)

    def element(i):
        return nest.pack_sequence_as(elems, [t[i] for t in flat])

    order = (lambda i: n - 1 - i) if reverse else (lambda i: i)
    if initializer is None:
        accumulator, start = element(order(0)), 1
    else:
        accumulator, start = nest.map_structure(convert_to_tensor, initializer), 0
    if not _tracing():
        for step in range(start, int(n)):
            accumulator = fn(accumulator, element(order(step)))
        return accumulator
    flat_acc = nest.flatten(accumulator)

    def body(i, *values):
        acc = nest.pack_sequence_as(accumulator, list(values))
        return (i + 1, *nest.flatten(fn(acc, element(order(i)))))

    final = control_flow.while_loop(lambda i, *_: i < n, body, [start, *flat_acc],
                                    back_prop=back_prop)
    return nest.pack_sequence_as(accumulator, list(final[1:]))


def vectorized_map(fn, elems, fallback_to_while_loop: bool = True, warn: bool = True):
    """`fn` over the first dimension of `elems`, stacked: the same values as map_fn (TF
    vectorizes the loop; here map_fn's loop runs it, compiled inside tf.function)."""
    return map_fn(fn, elems)
