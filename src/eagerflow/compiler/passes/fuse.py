"""Fusion: trees of elementwise ufunc nodes (optionally fed by a matmul) become one node.

A fused node evaluates its steps in program order with in-place NumPy ufunc calls
(`np.add(t, b, out=t)`): a step writes into the buffer of an intermediate value that the fused
node itself allocated and that no one else can see (each intermediate has exactly one user,
the next step). Inputs, constants and variable storage are never written. Each step is the
same ufunc on the same dtypes as the unfused kernel, so results are bit-identical.

Only ops whose kernel is a NumPy ufunc (or a ufunc run with floating-point warnings silenced,
see `ufunc_of`; the fused code silences them too, with `ops.quiet_fp`) can be written with
`out=`. The root may be any elementwise op (called as it
is). A matmul may feed the tree (matmul + bias add + activation). Fused nodes are for
execution only: gradients use the traced graph, so they have no gradient rule.
"""

from __future__ import annotations

import functools

import numpy as np

from eagerflow.compiler.codegen import _is_literal
from eagerflow.core.primitive import REGISTRY, op_error
from eagerflow.graph.ir import Graph, SourceOp

__all__ = ["fuse", "ufunc_of", "gives_dtype", "value_users", "fits_into", "FusedOp"]


def ufunc_of(op):
    """(ufunc, quiet) when the op's kernel is `ufunc` (quiet: run with floating-point
    warnings silenced, as np.errstate(all="ignore")), else None.

    A kernel declares itself as a silenced ufunc with an attribute `ufunc` (as the math
    family's quiet kernels do).
    """
    impl = getattr(op, "impl", None)
    if isinstance(impl, np.ufunc):
        return impl, False
    declared = getattr(impl, "ufunc", None)
    if isinstance(declared, np.ufunc):
        return declared, True
    return None


def gives_dtype(ufunc, inputs, extra, out) -> bool:
    """NumPy's own type resolution for these static input dtypes yields the output's dtype, so
    writing with out= into a buffer of that dtype casts nothing."""
    dtypes = [v._dtype._numpy for v in inputs] + [np.asarray(e).dtype for e in extra]
    try:
        resolved = ufunc.resolve_dtypes((*dtypes, None))
    except Exception:
        return False
    return resolved[-1] == out._dtype._numpy


def value_users(graph: Graph) -> dict:
    """id(value) -> list of the distinct nodes reading it."""
    users: dict = {}
    for node in graph.nodes:
        seen = set()
        for v in node.inputs:
            if id(v) not in seen:
                seen.add(id(v))
                users.setdefault(id(v), []).append(node)
    return users


def fits_into(buffer_shape, other_shapes) -> bool:
    """Whether broadcasting a value of `buffer_shape` with values of `other_shapes` gives
    `buffer_shape` for every run-time size the static shapes allow (None dims)."""
    if buffer_shape is None or not buffer_shape:
        return False  # unknown rank, or rank 0 (ufuncs return scalars there, not arrays)
    for shape in other_shapes:
        if shape is None or len(shape) > len(buffer_shape):
            return False
        for o, b in zip(reversed(shape), reversed(buffer_shape)):
            if o != 1 and (o is None or o != b):
                return False
    return True


def _plain_bias_add(node) -> bool:
    """bias_add with the channels last and static sizes that match is `np.add(value, bias)`
    (a size mismatch must still raise, not broadcast)."""
    data_format = node.attrs.get("data_format")
    if data_format is not None and data_format.startswith("NC"):
        return False
    value, bias = node.inputs
    return (value._shape is not None and bias._shape is not None and len(bias._shape) == 1
            and len(value._shape) >= 2 and bias._shape[0] is not None
            and value._shape[-1] == bias._shape[0])


# Ops whose kernel is a ufunc plus constant arguments: (ufunc, extra arguments, when it
# applies). A probe checks once per dtype that the kernel gives bit-identical results.
_KNOWN_FORMS = {
    "relu": (np.maximum, (0,), lambda node: not any(node.attrs.values())),
    "bias_add": (np.add, (), _plain_bias_add),
}
_form_cache: dict = {}


def _probe(dtype: np.dtype):
    if dtype.kind == "f":
        return np.array([np.nan, -np.inf, -2.5, -0.0, 0.0, 1.5, np.inf], dtype=dtype)
    if dtype.kind == "u":
        return np.array([0, 1, 7], dtype=dtype)
    return np.array([-3, -1, 0, 2, 5], dtype=dtype)


def _known_form(node, dtype: np.dtype):
    form = next((f for name, f in _KNOWN_FORMS.items() if REGISTRY.get(name) is node.op), None)
    if form is None:
        return None
    ufunc, extra, applies = form
    if dtype.kind not in "fiu" or ufunc.nin != len(node.inputs) + len(extra) \
            or not applies(node):
        return None
    key = (id(node.op), dtype, tuple(sorted(node.attrs.items())))
    if key not in _form_cache:
        _form_cache[key] = None
        extra = tuple(dtype.type(e) for e in extra)
        probe = _probe(dtype)
        args = [probe] if len(node.inputs) == 1 else [np.stack([probe, probe[::-1]]), probe]
        try:
            with np.errstate(all="ignore"):
                got = node.op.impl(*args, **node.attrs)
                want = ufunc(*args, *extra)
            if got.dtype == want.dtype and got.tobytes() == want.tobytes():
                _form_cache[key] = (ufunc, extra)
        except Exception:
            pass
    return _form_cache[key]


class _Step:
    """One member of a fused node: `kind` is 'ufunc', 'matmul' or 'call'."""

    def __init__(self, node, kind: str, refs: list, ufunc=None, quiet=False, extra=()):
        self.node = node
        self.op = node.op
        self.attrs = node.attrs
        self.location = node.location
        self.kind = kind
        self.refs = refs            # ('in', k): k-th external input; ('step', j): step j
        self.ufunc = ufunc
        self.quiet = quiet
        self.extra = extra          # constant arguments appended (known forms)
        self.spec = node.outputs[0]
        self.buffer = None          # buffer number this step writes, or None (fresh result)


class FusedOp:
    """The op of a fused node: elementwise traits, an `emit` for codegen and an `impl` (the
    unfused kernels, one after another) for the reference interpreter."""

    elementwise = True
    commutative = stateful = side_effect = random = multiple_results = same_dtype = False
    grad = None
    dtypes = None

    def __init__(self, steps: list, input_shapes: list) -> None:
        self.steps = steps
        self.input_shapes = input_shapes
        self.name = "fused_" + "_".join(step.op.name for step in steps)
        self.kernel_name = self.name
        last = steps[-1]
        self.fresh_output = last.kind != "call" and bool(last.spec._shape)
        self._plan()

    def __repr__(self) -> str:
        return f"<FusedOp {self.name}>"

    def shape_rule(self, *specs):
        raise TypeError(f"{self.name} is made by the compiler and has no shape rule")

    # --- buffers ------------------------------------------------------------------------------
    def _plan(self) -> None:
        owned: dict = {}  # step index -> buffer number, for values held in our own buffers
        buffers = 0
        for j, step in enumerate(self.steps):
            if step.kind == "ufunc":
                for kind, i in step.refs:
                    if kind != "step" or i not in owned:
                        continue
                    source = self.steps[i].spec
                    others = [self._shape(ref) for ref in step.refs if ref != (kind, i)]
                    others += [np.shape(e) for e in step.extra]
                    if source._dtype == step.spec._dtype and fits_into(source._shape, others):
                        step.buffer = owned[i]
                        break
            if step.buffer is None and step.kind in ("ufunc", "matmul") and step.spec._shape:
                step.buffer = buffers
                buffers += 1
            if step.buffer is not None and step.spec._dtype._numpy.kind != "O":
                owned[j] = step.buffer
        for j, step in enumerate(self.steps):
            step.fresh = step.buffer is not None and all(
                s.buffer != step.buffer for s in self.steps[:j])
        self.buffer_count = buffers

    def _shape(self, ref):
        kind, i = ref
        if kind == "step":
            return self.steps[i].spec._shape
        return self.input_shapes[i]

    # --- the reference kernel --------------------------------------------------------------
    def impl(self, *arrays):
        values: list = []
        for step in self.steps:
            args = [arrays[i] if kind == "in" else values[i] for kind, i in step.refs]
            try:
                values.append(step.op.impl(*args, **step.attrs))
            except Exception as exc:
                error = op_error(step.op, exc, args)
                if step.location:
                    error = type(error)(None, None, f"{error.message}\n  in user code: "
                                                    f"{step.location}")
                raise error from None
        return values[-1]

    # --- code generation --------------------------------------------------------------------
    def emit(self, node, args: list, outs: list, emitter) -> list:
        last = self.steps[-1]
        names = {}
        for j, step in enumerate(self.steps):
            if step.buffer is not None and step.buffer == last.buffer:
                names[j] = outs[0]
            elif step.buffer is not None:
                names[j] = f"{outs[0]}_b{step.buffer}"
            else:
                names[j] = f"{outs[0]}_s{j}"
        names[len(self.steps) - 1] = outs[0]
        where = f"  # {node.location}" if node.location else ""
        lines: list = [f"# {self.name}{where}"]
        # runs of quiet steps (ufuncs TF runs without floating-point warnings) are bracketed
        # by quiet_on/quiet_off: np.errstate(all="ignore") for a fraction of its cost
        quiet_block = False
        token = f"{outs[0]}_quiet"
        quiet_on = quiet_off = ""
        for j, step in enumerate(self.steps):
            call_args = [args[i] if kind == "in" else names[i] for kind, i in step.refs]
            call_args += [emitter.bind("const", e) for e in step.extra]
            if step.kind == "ufunc":
                function = emitter.bind(f"{step.ufunc.__name__}_", step.ufunc)
                if step.fresh or step.buffer is None:
                    line = f"{names[j]} = {function}({', '.join(call_args)})"
                else:
                    line = f"{function}({', '.join(call_args)}, out={names[j]})"
            else:
                function, keywords = self._callable(step, emitter)
                text = ", ".join(call_args + ([keywords] if keywords else []))
                line = f"{names[j]} = {function}({text})"
            quiet = step.kind == "ufunc" and step.quiet
            if quiet_block and not quiet:
                lines += ["finally:", f"    {quiet_off}({token})"]
            if quiet and not quiet_block:
                if not quiet_on:
                    quiet_on, quiet_off = self._quiet_functions(emitter)
                lines += [f"{token} = {quiet_on}()", "try:"]
            quiet_block = quiet
            lines.append(("    " if quiet else "") + line)
        if quiet_block:
            lines += ["finally:", f"    {quiet_off}({token})"]
        return lines

    @staticmethod
    def _quiet_functions(emitter) -> tuple[str, str]:
        """The generated code's names of quiet_on and quiet_off (ops.quiet_fp)."""
        from eagerflow.ops.quiet_fp import quiet_off, quiet_on

        return emitter.bind("quiet_on_", quiet_on), emitter.bind("quiet_off_", quiet_off)

    @staticmethod
    def _callable(step, emitter) -> tuple[str, str]:
        attrs = step.attrs
        if step.kind == "matmul" and not any(attrs.values()) and _plain_matmul(step):
            return emitter.bind("matmul_", np.matmul), ""
        base = getattr(step.op, "kernel_name", None) or step.op.name
        if not attrs:
            return emitter.bind(f"{base}_", step.op.impl), ""
        if all(_is_literal(v) for v in attrs.values()):
            text = ", ".join(f"{k}={v!r}" for k, v in attrs.items())
            return emitter.bind(f"{base}_", step.op.impl), text
        return emitter.bind(f"{base}_", functools.partial(step.op.impl, **attrs)), ""


def _plain_matmul(step) -> bool:
    """np.matmul gives the kernel's result: both inputs statically of rank >= 2 and a dtype
    NumPy multiplies natively (the kernel accumulates half floats in float32)."""
    a, b = step.node.inputs
    dtype = step.spec._dtype._numpy
    return (a._shape is not None and b._shape is not None and len(a._shape) >= 2
            and len(b._shape) >= 2 and dtype.kind in "fc" and dtype.itemsize >= 4
            and dtype in (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.complex64),
                          np.dtype(np.complex128)))


def _ufunc_form(node):
    """(ufunc, quiet, extra constants) when the node can be a step writing with out=."""
    op = node.op
    if (isinstance(op, SourceOp) or op.stateful or op.multiple_results
            or len(node.outputs) != 1):
        return None
    dtype = node.outputs[0]._dtype._numpy
    if dtype.kind == "O":
        return None
    out = node.outputs[0]
    form = ufunc_of(op) if op.elementwise and not node.attrs else None
    if (form is not None and form[0].nin == len(node.inputs) and form[0].nout == 1
            and gives_dtype(form[0], node.inputs, (), out)):
        return form[0], form[1], ()
    known = _known_form(node, dtype)
    if known is not None and gives_dtype(known[0], node.inputs, known[1], out):
        return known[0], False, known[1]
    return None


def _is_matmul(node) -> bool:
    matmul = REGISTRY.get("matmul")
    return (matmul is not None and node.op is matmul and len(node.outputs) == 1
            and node.outputs[0]._shape is not None and len(node.outputs[0]._shape) >= 1)


def _can_be_root(node) -> bool:
    op = node.op
    return (not isinstance(op, SourceOp) and op.elementwise and not op.stateful
            and not op.multiple_results and len(node.outputs) == 1
            and not isinstance(op, FusedOp))


def fuse(graph: Graph) -> Graph:
    """Fuse elementwise trees (run after DCE: use counts must see live users only)."""
    users = value_users(graph)
    outputs = {id(v) for v in graph.outputs if v is not None}
    position = {id(node): i for i, node in enumerate(graph.nodes)}
    forms = {id(node): _ufunc_form(node) for node in graph.nodes}
    absorbed: set = set()
    for root in reversed(graph.nodes):
        if id(root) in absorbed or not (forms[id(root)] is not None or _can_be_root(root)):
            continue
        members = [root]
        work = [root]
        while work:
            node = work.pop()
            for value in node.inputs:
                producer = value.node
                if (id(producer) in absorbed or producer in members
                        or id(value) in outputs or len(users.get(id(value), ())) != 1
                        or len(producer.outputs) != 1):
                    continue
                if forms[id(producer)] is not None:
                    members.append(producer)
                    work.append(producer)
                elif _is_matmul(producer):
                    members.append(producer)
        if len(members) < 2:
            continue
        members.sort(key=lambda n: position[id(n)])
        absorbed.update(id(n) for n in members)
        _replace(root, members, forms)
    graph.nodes = [n for n in graph.nodes if id(n) not in absorbed or isinstance(n.op, FusedOp)]
    return graph


def _replace(root, members: list, forms: dict) -> None:
    index = {id(n.outputs[0]): j for j, n in enumerate(members)}
    inputs: list = []
    slots: dict = {}
    steps = []
    for node in members:
        refs = []
        for value in node.inputs:
            if id(value) in index:
                refs.append(("step", index[id(value)]))
                continue
            if id(value) not in slots:
                slots[id(value)] = len(inputs)
                inputs.append(value)
            refs.append(("in", slots[id(value)]))
        form = forms[id(node)]
        if form is not None:
            steps.append(_Step(node, "ufunc", refs, form[0], form[1], form[2]))
        elif _is_matmul(node) and node is not root:
            steps.append(_Step(node, "matmul", refs))
        else:
            steps.append(_Step(node, "call", refs))
    op = FusedOp(steps, [v._shape for v in inputs])
    root.op, root.inputs, root.attrs = op, inputs, {}
