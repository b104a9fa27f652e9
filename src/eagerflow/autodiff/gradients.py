"""`tf.gradients`: symbolic gradients inside tf.function, without a tape.

The ops traced so far are the record: the same reverse sweep a GradientTape runs (one
gradient rule per primitive) walks the graph's nodes from `ys` back to `xs` and adds the
gradient ops to the graph being traced. As in TF 2, it exists only while tracing.
"""

from __future__ import annotations

from eagerflow.core import nest
from eagerflow.core.context import state
from eagerflow.core.tensor import Tensor
from eagerflow.core.variable import Variable

__all__ = ["gradients"]


def gradients(ys, xs, grad_ys=None, name: str = "gradients", gate_gradients: bool = False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none") -> list:
    """d(sum of ys)/dx for each x in `xs` (tensors or variables), inside tf.function."""
    from eagerflow.autodiff.tape import UnconnectedGradients, backward
    from eagerflow.ops.array import zeros_like

    builder = state.local.builder if not state.plain else None
    if builder is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    unconnected = UnconnectedGradients(getattr(unconnected_gradients, "value",
                                               unconnected_gradients))
    targets = nest.flatten(ys)
    sources = nest.flatten(xs)
    target_grads = nest.flatten(grad_ys) if grad_ys is not None else None
    if target_grads is not None and len(target_grads) != len(targets):
        raise ValueError(f"tf.gradients: grad_ys has {len(target_grads)} entries for "
                         f"{len(targets)} ys; give one per y.")
    stopped = {id(t) for t in nest.flatten(stop_gradients or [])}
    records, reads = [], {}
    for node in list(builder.graph.nodes):
        outputs = tuple(node.outputs)
        if node.op.name == "read_variable":
            variable = getattr(node.inputs[0].node, "value", None)
            if isinstance(variable, Variable):
                reads.setdefault(id(variable), []).append(outputs[0])
        if getattr(node.op, "grad", None) is None or any(id(o) in stopped for o in outputs):
            continue
        records.append((node.op, list(node.inputs), outputs if node.op.multiple_results
                        else outputs[0:1], dict(node.attrs)))
    # A variable stands for every read of it in the graph (their gradients add up).
    expanded, owners = [], []
    for index, x in enumerate(sources):
        if isinstance(x, Variable):
            for read in reads.get(id(x), []):
                expanded.append(read)
                owners.append(index)
        elif isinstance(x, Tensor):
            expanded.append(x)
            owners.append(index)
        else:
            raise TypeError(f"tf.gradients: xs must be tensors or variables, got {x!r}.")
    raw = backward(records, targets, expanded, target_grads)
    results: list = [None] * len(sources)
    for index, gradient in zip(owners, raw):
        if gradient is None:
            continue
        results[index] = gradient if results[index] is None else results[index] + gradient
    if unconnected == UnconnectedGradients.ZERO:
        results = [zeros_like(x) if g is None else g for x, g in zip(sources, results)]
    return results
