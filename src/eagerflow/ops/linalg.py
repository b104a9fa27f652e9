"""Linear algebra (`tf.matmul`, `tf.einsum`, `tf.tensordot`, `tf.norm`, `tf.linalg.*`).

matmul goes straight to NumPy's matmul (BLAS; transposes are views, never copies). einsum is
the general contraction: matvec and tensordot are written with it, and its gradient is an
einsum of the other operands.
"""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import EagerTensor, Tensor, convert_to_tensor
from eagerflow.ops import array as _array
from eagerflow.ops.array import cast, ones_like, unbroadcast, zeros_like
from eagerflow.ops.math import add, equal, multiply, negative, realdiv, subtract
from eagerflow.ops.reduce import reduce_euclidean_norm, reduce_max, reduce_sum
from eagerflow.ops.rules import as_tensor, broadcast_shapes

__all__ = ["matmul", "tensordot", "einsum", "norm"]
NAMESPACES = {"linalg": [
    "matmul", "matvec", "tensordot", "einsum", "norm", "inv", "det", "slogdet", "logdet",
    "cholesky", "cholesky_solve", "solve", "triangular_solve", "diag", "diag_part", "set_diag",
    "band_part", "trace", "matrix_transpose", "adjoint", "global_norm", "qr", "svd", "eigh",
    "eigvalsh", "lstsq", "cross", "normalize",
]}
if getattr(_array, "eye", None) is not None:  # tf.eye is the array family's; alias it here
    eye = _array.eye
    NAMESPACES["linalg"].append("eye")

_MATMUL_DTYPES = [np.float16, np.float32, np.float64, dtypes.bfloat16._numpy, np.int8, np.int16,
                  np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                  np.complex64, np.complex128]
_FLOAT = [np.float16, np.float32, np.float64, np.complex64, np.complex128]
_HALF = (np.dtype(np.float16), dtypes.bfloat16._numpy)


_tensor = as_tensor


def _mT(x):
    return x.T if x.ndim == 2 else np.swapaxes(x, -1, -2)


# --- matrix_transpose, adjoint ----------------------------------------------------------------
def _transpose_rule(x: Spec, conjugate) -> Spec:
    if x.shape is None:
        return x
    if len(x.shape) < 2:
        raise InvalidArgumentError(None, None, f"matrix_transpose: input must be at least rank "
                                               f"2, got shape {list(x.shape)}")
    return Spec(x.shape[:-2] + (x.shape[-1], x.shape[-2]), x.dtype)


def _transpose_impl(x, conjugate):
    if x.ndim < 2:
        raise InvalidArgumentError(None, None, f"matrix_transpose: input must be at least rank "
                                               f"2, got shape {list(x.shape)}")
    out = _mT(x)
    return np.conj(out) if conjugate else out


matrix_transpose_p = primitive(
    "matrix_transpose", impl=_transpose_impl, shape_rule=_transpose_rule,
    grad=lambda g, out, x, conjugate: (matrix_transpose_p.bind(g, conjugate=conjugate),))


def matrix_transpose(a, name="matrix_transpose", conjugate: bool = False) -> Tensor:
    """Swap the last two axes of `a` (and conjugate when `conjugate`)."""
    a = _tensor(a)
    return matrix_transpose_p.bind(a, conjugate=bool(conjugate) and a.dtype.is_complex)


def adjoint(matrix, name=None) -> Tensor:
    """The conjugate transpose of the last two axes."""
    return matrix_transpose(matrix, conjugate=True)


# --- matmul -----------------------------------------------------------------------------------
def _matmul_error(a_shape, b_shape, transpose_a, transpose_b) -> InvalidArgumentError:
    return InvalidArgumentError(
        None, None,
        f"Matrix size-incompatible: In[0]: {list(a_shape)}, In[1]: {list(b_shape)} "
        f"(transpose_a={transpose_a}, transpose_b={transpose_b}): the inner dimensions must "
        f"match [Op:MatMul]")


def _matmul_rule(a: Spec, b: Spec, transpose_a, transpose_b, adjoint_a, adjoint_b) -> Spec:
    if a.shape is None or b.shape is None:
        return Spec(None, a.dtype)
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise InvalidArgumentError(
            None, None, f"matmul: In[0] and In[1] must be at least rank 2, got shapes "
                        f"{list(a.shape)} and {list(b.shape)}. Use tf.linalg.matvec or "
                        f"tf.tensordot for vectors. [Op:MatMul]")
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    m, k = (a.shape[-1], a.shape[-2]) if ta else (a.shape[-2], a.shape[-1])
    k2, n = (b.shape[-1], b.shape[-2]) if tb else (b.shape[-2], b.shape[-1])
    if k is not None and k2 is not None and k != k2:
        raise _matmul_error(a.shape, b.shape, ta, tb)
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], "BatchMatMulV2")
    return Spec(tuple(batch) + (m, n), a.dtype)


def _matmul_impl(a, b, transpose_a, transpose_b, adjoint_a, adjoint_b):
    a0, b0 = a, b
    if a.ndim < 2 or b.ndim < 2:
        _matmul_rule(Spec(a.shape, None), Spec(b.shape, None), transpose_a, transpose_b,
                     adjoint_a, adjoint_b)
    if transpose_a or adjoint_a:
        a = _mT(a).conj() if adjoint_a else _mT(a)
    if transpose_b or adjoint_b:
        b = _mT(b).conj() if adjoint_b else _mT(b)
    if a.shape[-1] != b.shape[-2]:
        raise _matmul_error(a0.shape, b0.shape, transpose_a or adjoint_a,
                            transpose_b or adjoint_b)
    if a.dtype in _HALF:  # accumulate in float32, as TF does (and NumPy has no half BLAS)
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    if b.ndim == 2 and a.ndim > 2:
        # [..., m, k] @ [k, n] as one [(...m), k] @ [k, n] BLAS call (NumPy would loop over
        # the batch); the reshape is a view unless `a` is a non-contiguous view.
        rows = np.matmul(a.reshape(-1, a.shape[-1]), b)
        return rows.reshape(a.shape[:-1] + (b.shape[-1],))
    try:
        return np.matmul(a, b)
    except ValueError:
        _matmul_rule(Spec(a0.shape, None), Spec(b0.shape, None), transpose_a, transpose_b,
                     adjoint_a, adjoint_b)
        raise


def _matmul_grad(g, out, a, b, transpose_a, transpose_b, adjoint_a, adjoint_b,
                 needed=(True, True)):
    if a.dtype.is_complex:
        return _matmul_grad_general(g, a, b, transpose_a, transpose_b, adjoint_a, adjoint_b,
                                    needed)
    # Real dtypes: C = op(A) op(B); each side is one matmul with transpose flags, computed
    # only when some source needs it (the input data of a layer usually does not).
    need_a, need_b = needed
    a_shape, g_shape = a._shape_tuple(), g._shape_tuple()
    if (not transpose_a and b.ndim == 2 and a_shape is not None and len(a_shape) > 2
            and a_shape[-1] is not None and g_shape is not None and g_shape[-1] is not None):
        # [..., m, k] @ [k, n]: dB is one matmul over the flattened batch, not a batch of
        # matmuls summed afterwards.
        gb = None
        if need_b:
            a2 = _array.reshape(a, [-1, a_shape[-1]])
            g2 = _array.reshape(g, [-1, g_shape[-1]])
            gb = _mm(g2, a2, True, False) if transpose_b else _mm(a2, g2, True, False)
        ga = None
        if need_a:
            ga = unbroadcast(_mm(g, b, False, False) if transpose_b else _mm(g, b, False, True),
                             a)
        return ga, gb
    if not transpose_a and not transpose_b:
        ga = need_a and _mm(g, b, False, True)
        gb = need_b and _mm(a, g, True, False)
    elif transpose_a and not transpose_b:
        ga = need_a and _mm(b, g, False, True)
        gb = need_b and _mm(a, g, False, False)
    elif not transpose_a and transpose_b:
        ga = need_a and _mm(g, b, False, False)
        gb = need_b and _mm(g, a, True, False)
    else:
        ga = need_a and _mm(b, g, True, True)
        gb = need_b and _mm(g, a, True, True)
    return (unbroadcast(ga, a) if need_a else None, unbroadcast(gb, b) if need_b else None)


def _matmul_grad_general(g, a, b, transpose_a, transpose_b, adjoint_a, adjoint_b,
                         needed=(True, True)):
    """C = op_a(A) op_b(B): dop_a = g op_b(B)^H, dop_b = op_a(A)^H g, then op undone."""
    def apply(x, transpose, conj):
        return matrix_transpose(x, conjugate=conj) if transpose or conj else x

    ga = gb = None
    if needed[0]:
        op_b = apply(b, transpose_b or adjoint_b, adjoint_b)
        d_a = _mm(g, adjoint(op_b), False, False)
        ga = unbroadcast(apply(d_a, transpose_a or adjoint_a, adjoint_a), a)
    if needed[1]:
        op_a = apply(a, transpose_a or adjoint_a, adjoint_a)
        d_b = _mm(adjoint(op_a), g, False, False)
        gb = unbroadcast(apply(d_b, transpose_b or adjoint_b, adjoint_b), b)
    return ga, gb


matmul_p = primitive("matmul", impl=_matmul_impl, shape_rule=_matmul_rule, grad=_matmul_grad,
                     dtypes=_MATMUL_DTYPES)


def _mm(a, b, transpose_a, transpose_b):
    return matmul_p.bind(a, b, transpose_a=transpose_a, transpose_b=transpose_b,
                         adjoint_a=False, adjoint_b=False)


def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type=None, grad_a: bool = False, grad_b: bool = False, name=None) -> Tensor:
    """Matrix product `a @ b` over the last two axes; leading (batch) axes broadcast.

    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape  # (2, 4)
    """
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    if not isinstance(a, Tensor):
        a = convert_to_tensor(a, dtype_hint=b.dtype if isinstance(b, Tensor) else None)
    if adjoint_a or adjoint_b:
        if not a.dtype.is_complex:  # the adjoint of a real matrix is its transpose
            transpose_a, transpose_b = transpose_a or adjoint_a, transpose_b or adjoint_b
            adjoint_a = adjoint_b = False
    out = matmul_p.bind(a, b, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
                        adjoint_a=bool(adjoint_a), adjoint_b=bool(adjoint_b))
    if output_type is not None and dtypes.as_dtype(output_type) != out.dtype:
        out = cast(out, output_type)
    return out


# --- einsum -----------------------------------------------------------------------------------
def _parse_einsum(equation: str, count: int) -> tuple:
    """(input subscripts, output subscript) in explicit form; '...' is kept as '.'."""
    equation = equation.replace(" ", "")
    if "->" in equation:
        lhs, rhs = equation.split("->")
    else:
        lhs, rhs = equation, None
    inputs = lhs.split(",")
    if len(inputs) != count:
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} inputs but "
                         f"{count} tensors were given.")
    inputs = [s.replace("...", ".") for s in inputs]
    for s in inputs + ([rhs.replace("...", ".")] if rhs is not None else []):
        if any(not (c.isalpha() or c == ".") for c in s) or s.count(".") > 1:
            raise ValueError(f"einsum: invalid subscripts {s!r} in equation {equation!r}.")
    if rhs is None:
        letters = "".join(inputs)
        rhs = ("." if "." in letters else "") + "".join(
            sorted(c for c in set(letters) if c != "." and letters.count(c) == 1))
    else:
        rhs = rhs.replace("...", ".")
        for c in rhs:
            if c != "." and c not in "".join(inputs):
                raise ValueError(f"einsum: output subscript {c!r} does not appear in the "
                                 f"inputs of {equation!r}.")
    return tuple(inputs), rhs


def _einsum_rule(*specs, inputs, output):
    sizes = {}
    ellipses = []
    for spec, subs in zip(specs, inputs):
        if spec.shape is None:
            if "." in output:
                return Spec(None, specs[0].dtype)
            continue
        named = len(subs) - ("." in subs)
        if len(spec.shape) < named or ("." not in subs and len(spec.shape) != named):
            raise InvalidArgumentError(None, None, f"einsum: operand subscripts {subs!r} do not "
                                                   f"match its shape {list(spec.shape)}")
        dot = subs.find(".")
        if dot < 0:
            dims = list(spec.shape)
        else:
            tail = len(subs) - dot - 1
            cut = len(spec.shape) - tail
            ellipses.append(tuple(spec.shape[dot:cut]))
            dims = list(spec.shape[:dot]) + list(spec.shape[cut:])
        for c, d in zip(subs.replace(".", ""), dims):
            known = sizes.get(c)
            if known is not None and d is not None and known != d and 1 not in (known, d):
                raise InvalidArgumentError(None, None, f"einsum: dimension {c!r} has sizes "
                                                       f"{known} and {d} [Op:Einsum]")
            if known is None or known == 1:
                sizes[c] = d
    ellipsis = ()
    for e in ellipses:
        ellipsis = broadcast_shapes(ellipsis, e, "Einsum")
    shape = []
    for c in output:
        if c == ".":
            shape.extend(ellipsis)
        else:
            shape.append(sizes.get(c))
    return Spec(tuple(shape), specs[0].dtype)


def _einsum_impl(*arrays, inputs, output):
    equation = ",".join(inputs).replace(".", "...") + "->" + output.replace(".", "...")
    if arrays[0].dtype in _HALF:
        wide = [a.astype(np.float32) for a in arrays]
        return np.asarray(np.einsum(equation, *wide)).astype(arrays[0].dtype)
    big = len(arrays) > 1 and max(a.size for a in arrays) > 4096
    return np.asarray(np.einsum(equation, *arrays, optimize=big))


def _einsum_grad(g, out, *operands, inputs, output, needed=None):
    grads = []
    for i, x in enumerate(operands):
        if not (x.dtype.is_floating or x.dtype.is_complex) or (needed and not needed[i]):
            grads.append(None)
            continue
        grads.append(_einsum_operand_grad(g, operands, inputs, output, i))
    return tuple(grads)


def _einsum_operand_grad(g, operands, inputs, output, i):
    x, subs = operands[i], inputs[i]
    if len(set(subs)) != len(subs):
        raise NotImplementedError(f"einsum gradient: repeated subscripts in {subs!r} (a "
                                  f"diagonal) are not supported.")
    others = [(operands[j], inputs[j]) for j in range(len(operands)) if j != i]
    if x.dtype.is_complex:
        others = [(_conj(t), s) for t, s in others]
    terms = [(g, output)] + others
    present = set("".join(s for _, s in terms))
    if any(c not in present for c in subs):  # summed only here: broadcast back along it
        terms.append((ones_like(x), subs))
    target = subs
    moved = "." in subs and not subs.startswith(".")
    if moved:  # put the ellipsis first so that unbroadcast aligns it from the right
        target = "." + subs.replace(".", "")
    elif "." not in subs and any("." in s for _, s in terms):
        target = "." + subs  # others' ellipsis dims: keep them, then sum them away
    grad = einsum_p.bind(*[t for t, _ in terms], inputs=tuple(s for _, s in terms),
                         output=target)
    if target != subs and not moved:
        grad = unbroadcast(grad, x)
    elif "." in subs:
        donor = einsum_p.bind(x, inputs=(subs,), output=target) if moved else x
        grad = unbroadcast(grad, donor)
        if moved:
            grad = einsum_p.bind(grad, inputs=(target,), output=subs)
    return grad


def _conj(x):
    from eagerflow.ops import math as _math

    return _math.conj(x)


einsum_p = primitive("einsum", impl=_einsum_impl, shape_rule=_einsum_rule, grad=_einsum_grad)


def einsum(equation, *inputs, **kwargs) -> Tensor:
    """Tensor contraction described by an Einstein summation `equation`.

    >>> tf.einsum("ij,jk->ik", a, b)  # matmul
    >>> tf.einsum("...ij->...ji", x)  # batched transpose
    """
    kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(kwargs)}")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    subs, output = _parse_einsum(equation, len(inputs))
    return einsum_p.bind(*inputs, inputs=subs, output=output)


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name=None) -> Tensor:
    """Matrix-vector product over the last axes: a [..., M, N] times b [..., N] -> [..., M]."""
    a = _tensor(a)
    if adjoint_a:
        a = adjoint(a)
    return einsum("...ji,...j->...i" if transpose_a else "...ij,...j->...i", a, b)


def tensordot(a, b, axes, name=None) -> Tensor:
    """Contract the `axes` of `a` with those of `b` (an int N: a's last N with b's first N;
    or a pair of lists)."""
    a, b = _tensor(a), _tensor(b)
    rank_a, rank_b = a.ndim, b.ndim
    if rank_a is None or rank_b is None:
        raise ValueError("tensordot needs inputs of known rank.")
    axes = _static_axes(axes)
    if isinstance(axes, int):
        if axes < 0 or axes > min(rank_a, rank_b):
            raise ValueError(f"'axes' must be in [0, {min(rank_a, rank_b)}], got {axes}.")
        axes_a, axes_b = list(range(rank_a - axes, rank_a)), list(range(axes))
    else:
        if len(axes) != 2:
            raise ValueError(f"'axes' must be an int or a pair of lists, got {axes}.")
        axes_a, axes_b = ([x] if isinstance(x, int) else list(x) for x in axes)
        if len(axes_a) != len(axes_b):
            raise ValueError(f"Different number of contraction axes 'a' and 'b', "
                             f"{len(axes_a)} != {len(axes_b)}.")
        axes_a = [_axis_in(x, rank_a) for x in axes_a]
        axes_b = [_axis_in(x, rank_b) for x in axes_b]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if rank_a + rank_b > len(letters):
        raise ValueError("tensordot: inputs have too many dimensions.")
    sub_a = list(letters[:rank_a])
    sub_b = list(letters[rank_a:rank_a + rank_b])
    shape_a, shape_b = a._shape_tuple(), b._shape_tuple()
    for x, y in zip(axes_a, axes_b):
        if shape_a[x] is not None and shape_b[y] is not None and shape_a[x] != shape_b[y]:
            raise InvalidArgumentError(None, None, f"tensordot: axis {x} of a (size "
                                                   f"{shape_a[x]}) does not match axis {y} of "
                                                   f"b (size {shape_b[y]}); shapes "
                                                   f"{list(shape_a)} and {list(shape_b)}")
        sub_b[y] = sub_a[x]
    out = [c for i, c in enumerate(sub_a) if i not in axes_a]
    out += [c for i, c in enumerate(sub_b) if i not in axes_b]
    return einsum_p.bind(a, b, inputs=("".join(sub_a), "".join(sub_b)), output="".join(out))


def _static_axes(axes):
    if isinstance(axes, EagerTensor):
        axes = axes._value.tolist()
    elif isinstance(axes, np.ndarray):
        axes = axes.tolist()
    if isinstance(axes, (int, np.integer)):
        return int(axes)
    return [a.tolist() if isinstance(a, (EagerTensor, np.ndarray)) else a for a in axes]


def _axis_in(axis, rank):
    if not -rank <= axis < rank:
        raise ValueError(f"tensordot: axis {axis} is out of range for rank {rank}.")
    return axis % rank


# --- norm -------------------------------------------------------------------------------------
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """Vector norm (axis None or an int) or matrix norm (axis a pair) of `tensor`.

    `ord`: 'euclidean' (= 'fro' for matrices), 1, 2 or np.inf, or any p >= 1 for vectors.
    """
    from eagerflow.ops import math as _math

    x = _tensor(tensor)
    keepdims = bool(keepdims)
    if isinstance(axis, EagerTensor):
        axis = axis._value.tolist()
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if isinstance(axis, (list, tuple)):
        if len(axis) != 2 or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if ord not in ("euclidean", "fro", 1, 2, np.inf):
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord!r}")
        if ord in ("euclidean", "fro"):
            return reduce_euclidean_norm(x, axis, keepdims)
        if ord == 2:
            return _spectral_norm(x, axis, keepdims)
        rows, cols = (axis[0], axis[1]) if ord == 1 else (axis[1], axis[0])
        sums = reduce_sum(_math.abs(x), rows, keepdims=True)
        out = reduce_max(sums, cols, keepdims=True)
        return out if keepdims else _array.reshape(out, _drop_axes(out, axis))
    if ord == "fro":
        raise ValueError("'ord' 'fro' is a matrix norm: give axis as a pair of axes.")
    if isinstance(ord, str) and ord != "euclidean" or not isinstance(ord, str) and (
            isinstance(ord, bool) or not ord > 0):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}.")
    if ord in ("euclidean", 2):
        return reduce_euclidean_norm(x, axis, keepdims)
    if ord == 1:
        return reduce_sum(_math.abs(x), axis, keepdims)
    if ord == np.inf:
        return reduce_max(_math.abs(x), axis, keepdims)
    powered = _math.pow(_math.abs(x), float(ord))
    return _math.pow(reduce_sum(powered, axis, keepdims), 1.0 / float(ord))


def _spectral_norm(x, axis, keepdims):
    """The largest singular value over the matrix axes `axis` (no gradient)."""
    from eagerflow.ops.reduce import expand_reduced_p

    rank = x.ndim
    rows, cols = axis[0] % rank, axis[1] % rank
    letters = "abcdefghijklmnopqrstuvwxyz"[:rank]
    moved = "".join(c for i, c in enumerate(letters) if i not in (rows, cols))
    moved += letters[rows] + letters[cols]
    matrices = x if moved == letters else einsum_p.bind(x, inputs=(letters,), output=moved)
    out = reduce_max(svd(matrices, compute_uv=False), -1)
    return expand_reduced_p.bind(out, x, axis=(rows, cols)) if keepdims else out


def _drop_axes(t, axis):
    shape = t._shape_tuple()
    axes = {a % len(shape) for a in axis}
    return [-1 if d is None else d for i, d in enumerate(shape) if i not in axes]


def global_norm(t_list, name=None) -> Tensor:
    """sqrt(sum of squares of every element of every tensor in `t_list`); None entries skip."""
    norms = [reduce_euclidean_norm(cast(_tensor(t), dtypes.float32)
                                   if not _tensor(t).dtype.is_floating else t)
             for t in t_list if t is not None]
    if not norms:
        return convert_to_tensor(0.0)
    return reduce_euclidean_norm(_array.stack(norms))


# --- square-matrix functions ------------------------------------------------------------------
def _square_rule(op):
    def rule(x: Spec) -> Spec:
        _require_square(x.shape, op)
        return x
    return rule


def _require_square(shape, op):
    if shape is None:
        return
    if len(shape) < 2 or (shape[-1] is not None and shape[-2] is not None
                          and shape[-1] != shape[-2]):
        raise InvalidArgumentError(None, None, f"{op}: input must be a square matrix (or a "
                                               f"batch of them), got shape {list(shape)}")


def _linalg_call(function, x, op, message):
    _require_square(x.shape, op)
    try:
        return function(x)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, f"{message} [Op:{op}]") from None


def _inv_impl(x):
    return _linalg_call(np.linalg.inv, x, "MatrixInverse", "Input is not invertible.")


def _inv_grad(g, out, x):
    # d(A^-1) = -A^-1 dA A^-1  =>  dA = -A^-H g A^-H
    return (negative(matmul(out, matmul(g, out, adjoint_b=True), adjoint_a=True)),)


inv_p = primitive("inv", impl=_inv_impl, shape_rule=_square_rule("MatrixInverse"),
                  grad=_inv_grad, dtypes=_FLOAT)


def inv(input, adjoint: bool = False, name=None) -> Tensor:
    """The inverse of each square matrix in `input` (InvalidArgumentError if singular)."""
    x = _tensor(input)
    if adjoint:
        x = matrix_transpose(x, conjugate=True)
    return inv_p.bind(x)


def _batch_rule(x: Spec, **attrs) -> Spec:
    _require_square(x.shape, "MatrixDeterminant")
    return Spec(None if x.shape is None else x.shape[:-2], x.dtype)


def _det_impl(x):
    _require_square(x.shape, "MatrixDeterminant")
    return np.asarray(np.linalg.det(x)).astype(x.dtype, copy=False)


def _det_grad(g, out, x):
    # d det(A) = det(A) tr(A^-1 dA)  =>  dA = g det(A) A^-H
    scale = multiply(g, out)
    return (einsum_p.bind(scale, inv(x, adjoint=True), inputs=(".", ".ij"), output=".ij"),)


det_p = primitive("det", impl=_det_impl, shape_rule=_batch_rule, grad=_det_grad, dtypes=_FLOAT)


def det(input, name=None) -> Tensor:
    """The determinant of each square matrix in `input`."""
    return det_p.bind(_tensor(input))


def _slogdet_impl(x):
    _require_square(x.shape, "LogMatrixDeterminant")
    sign, log_abs = np.linalg.slogdet(x)
    return np.asarray(sign).astype(x.dtype), np.asarray(log_abs).astype(x.real.dtype)


def _slogdet_rule(x: Spec):
    out = _batch_rule(x)
    return out, Spec(out.shape, x.dtype.real_dtype)


def _slogdet_grad(g, out, x):
    return (einsum_p.bind(g[1], inv(x, adjoint=True), inputs=(".", ".ij"), output=".ij"),)


slogdet_p = primitive("slogdet", impl=_slogdet_impl, shape_rule=_slogdet_rule,
                      grad=_slogdet_grad, multiple_results=True, dtypes=_FLOAT)


def slogdet(input, name=None) -> tuple:
    """(sign, log|det|) of each square matrix: log|det| without overflow."""
    sign, log_abs = slogdet_p.bind(_tensor(input))
    return sign, log_abs


def logdet(matrix, name=None) -> Tensor:
    """log(det(matrix)) of Hermitian positive definite matrices."""
    return slogdet(matrix)[1]


def _cholesky_impl(x):
    return _linalg_call(np.linalg.cholesky, x, "Cholesky",
                        "Cholesky decomposition was not successful. The input might not be "
                        "valid (it must be symmetric positive definite).")


def _cholesky_grad(g, out, x):
    # A = L L^H. With P = L^H g and Phi(P) = lower triangle of P with a halved diagonal:
    # dA = 0.5 * (S + S^H), S = L^-H Phi(P) L^-1.
    l_inv = inv(out)
    middle = matmul(out, g, adjoint_a=True)
    middle = subtract(band_part(middle, -1, 0), multiply(band_part(middle, 0, 0), 0.5))
    s = matmul(matmul(l_inv, middle, adjoint_a=True), l_inv)
    return (multiply(add(s, adjoint(s)), 0.5),)


cholesky_p = primitive("cholesky", impl=_cholesky_impl, shape_rule=_square_rule("Cholesky"),
                       grad=_cholesky_grad, dtypes=_FLOAT)


def cholesky(input, name=None) -> Tensor:
    """The lower-triangular L with L L^H = input, for symmetric positive definite input."""
    return cholesky_p.bind(_tensor(input))


def _solve_rule(matrix: Spec, rhs: Spec, adjoint, lower=None) -> Spec:
    _require_square(matrix.shape, "MatrixSolve")
    if matrix.shape is None or rhs.shape is None:
        return Spec(rhs.shape, rhs.dtype)
    if len(rhs.shape) < 2:
        raise InvalidArgumentError(None, None, f"solve: rhs must be at least rank 2, got "
                                               f"shape {list(rhs.shape)} [Op:MatrixSolve]")
    m, r = matrix.shape[-1], rhs.shape[-2]
    if m is not None and r is not None and m != r:
        raise InvalidArgumentError(None, None, f"Input matrix and right-hand side must have "
                                               f"the same number of rows: {list(matrix.shape)} "
                                               f"vs. {list(rhs.shape)} [Op:MatrixSolve]")
    batch = broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2], "MatrixSolve")
    return Spec(tuple(batch) + tuple(rhs.shape[-2:]), rhs.dtype)


def _solve_impl(matrix, rhs, adjoint, lower=None):
    _solve_rule(Spec(matrix.shape, None), Spec(rhs.shape, None), adjoint)
    if lower is not None:
        matrix = np.tril(matrix) if lower else np.triu(matrix)
    if adjoint:
        matrix = _mT(matrix).conj()
    batch = np.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    matrix = np.broadcast_to(matrix, batch + matrix.shape[-2:])
    rhs = np.broadcast_to(rhs, batch + rhs.shape[-2:])
    try:
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(None, None, "Input matrix is not invertible. "
                                               "[Op:MatrixSolve]") from None


def _solve_grad(g, out, matrix, rhs, adjoint, lower=None):
    grad_rhs = solve_p.bind(matrix, g, adjoint=not adjoint, lower=lower)
    if adjoint:
        grad_matrix = negative(matmul(out, grad_rhs, adjoint_b=True))
    else:
        grad_matrix = negative(matmul(grad_rhs, out, adjoint_b=True))
    if lower is not None:
        grad_matrix = band_part(grad_matrix, -1, 0) if lower else band_part(grad_matrix, 0, -1)
    return unbroadcast(grad_matrix, matrix), unbroadcast(grad_rhs, rhs)


solve_p = primitive("solve", impl=_solve_impl, shape_rule=_solve_rule, grad=_solve_grad,
                    dtypes=_FLOAT)


def solve(matrix, rhs, adjoint: bool = False, name=None) -> Tensor:
    """X with matrix @ X = rhs (matrix^H @ X = rhs when `adjoint`)."""
    return solve_p.bind(matrix, rhs, adjoint=bool(adjoint), lower=None)


def triangular_solve(matrix, rhs, lower: bool = True, adjoint: bool = False,
                     name=None) -> Tensor:
    """Solve with the lower (or upper) triangle of `matrix`; the other triangle is ignored."""
    return solve_p.bind(matrix, rhs, adjoint=bool(adjoint), lower=bool(lower))


def cholesky_solve(chol, rhs, name=None) -> Tensor:
    """X with A X = rhs, given chol = cholesky(A)."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


# --- diagonals and bands ----------------------------------------------------------------------
def _diag_indices(rows: int, cols: int, k: int) -> tuple:
    """Row and column indices of the k-th diagonal (k > 0 above the main one) of rows x cols."""
    length = max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))
    index = np.arange(length)
    return (index, index + k) if k >= 0 else (index - k, index)


def _diag_sizes(n: int | None, k: int, num_rows: int, num_cols: int) -> tuple:
    side = None if n is None else n + abs(k)
    rows = num_rows if num_rows != -1 else side
    cols = num_cols if num_cols != -1 else side
    return rows, cols


def _diag_rule(x: Spec, k, num_rows, num_cols, padding_value) -> Spec:
    if x.shape is None:
        return Spec(None, x.dtype)
    if not x.shape:
        raise InvalidArgumentError(None, None, "diag: input must be at least rank 1 "
                                               "[Op:MatrixDiagV3]")
    return Spec(x.shape[:-1] + _diag_sizes(x.shape[-1], k, num_rows, num_cols), x.dtype)


def _diag_impl(x, k, num_rows, num_cols, padding_value):
    rows, cols = _diag_sizes(x.shape[-1], k, num_rows, num_cols)
    out = np.full(x.shape[:-1] + (rows, cols), padding_value, x.dtype)
    r, c = _diag_indices(rows, cols, k)
    if len(r) != x.shape[-1]:
        raise InvalidArgumentError(None, None, f"diag: the diagonal has {x.shape[-1]} entries "
                                   f"but diagonal {k} of a {rows}x{cols} matrix has {len(r)} "
                                   f"[Op:MatrixDiagV3]")
    out[..., r, c] = x
    return out


diag_p = primitive("matrix_diag", impl=_diag_impl, shape_rule=_diag_rule,
                   grad=lambda g, out, x, k, num_rows, num_cols, padding_value: (
                       diag_part(g, k=k),))


def _diag_part_rule(x: Spec, k) -> Spec:
    if x.shape is None:
        return x
    if len(x.shape) < 2:
        raise InvalidArgumentError(None, None, f"diag_part: input must be at least rank 2, got "
                                               f"shape {list(x.shape)} [Op:MatrixDiagPartV3]")
    m, n = x.shape[-2:]
    length = None if m is None or n is None else len(_diag_indices(m, n, k)[0])
    return Spec(x.shape[:-2] + (length,), x.dtype)


def _diag_part_impl(x, k):
    _diag_part_rule(Spec(x.shape, None), k)
    r, c = _diag_indices(x.shape[-2], x.shape[-1], k)
    return x[..., r, c]


diag_part_p = primitive("matrix_diag_part", impl=_diag_part_impl, shape_rule=_diag_part_rule,
                        grad=lambda g, out, x, k: (set_diag(zeros_like(x), g, k=k),))


def _set_diag_impl(x, diagonal, k):
    out = x.copy()
    r, c = _diag_indices(x.shape[-2], x.shape[-1], k)
    if diagonal.shape != x.shape[:-2] + (len(r),):
        raise InvalidArgumentError(None, None, f"set_diag: diagonal shape "
                                               f"{list(diagonal.shape)} does not fit diagonal "
                                               f"{k} of input shape {list(x.shape)} "
                                               f"[Op:MatrixSetDiagV3]")
    out[..., r, c] = diagonal
    return out


set_diag_p = primitive(
    "matrix_set_diag", impl=_set_diag_impl,
    shape_rule=lambda x, diagonal, k: Spec(x.shape, x.dtype),
    grad=lambda g, out, x, diagonal, k: (set_diag(g, zeros_like(diagonal), k=k),
                                         diag_part(g, k=k)))


def _single_k(k, op: str) -> int:
    if isinstance(k, (tuple, list)) or (isinstance(k, Tensor) and k.shape.rank):
        raise ValueError(f"{op}: a band of diagonals (k as a pair) is not supported; pass one "
                         f"integer k (0: main diagonal, >0 above, <0 below).")
    return int(k)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT") -> Tensor:
    """Batched matrices with `diagonal` on their k-th diagonal: [..., N] -> [..., M, N'],
    the rest `padding_value` (M = N' = N + |k| unless num_rows / num_cols say otherwise)."""
    diagonal = _tensor(diagonal)
    return diag_p.bind(diagonal, k=_single_k(k, "diag"), num_rows=int(num_rows),
                       num_cols=int(num_cols),
                       padding_value=np.asarray(padding_value, diagonal.dtype._numpy).item())


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT") -> Tensor:
    """The k-th diagonal of each matrix: [..., M, N] -> [..., L]."""
    return diag_part_p.bind(_tensor(input), k=_single_k(k, "diag_part"))


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT") -> Tensor:
    """`input` with the k-th diagonal of each matrix replaced by `diagonal`."""
    return set_diag_p.bind(input, diagonal, k=_single_k(k, "set_diag"))


def _band_impl(x, num_lower, num_upper):
    if x.ndim < 2:
        raise InvalidArgumentError(None, None, f"band_part: input must be at least rank 2, "
                                               f"got shape {list(x.shape)} [Op:MatrixBandPart]")
    m, n = x.shape[-2:]
    offset = np.arange(m)[:, None] - np.arange(n)[None, :]  # row - column
    keep = np.ones((m, n), bool)
    if num_lower >= 0:
        keep &= offset <= num_lower
    if num_upper >= 0:
        keep &= -offset <= num_upper
    return np.where(keep, x, np.zeros((), x.dtype))


band_part_p = primitive(
    "matrix_band_part", impl=_band_impl,
    shape_rule=lambda x, num_lower, num_upper: x,
    grad=lambda g, out, x, num_lower, num_upper: (
        band_part_p.bind(g, num_lower=num_lower, num_upper=num_upper),))


def band_part(input, num_lower, num_upper, name=None) -> Tensor:
    """Keep `num_lower` sub-diagonals and `num_upper` super-diagonals (negative: all)."""
    num_lower = int(np.asarray(num_lower))
    num_upper = int(np.asarray(num_upper))
    return band_part_p.bind(input, num_lower=num_lower, num_upper=num_upper)


def trace(x, name=None) -> Tensor:
    """Sum of the main diagonal of each matrix: [..., M, N] -> [...]."""
    return reduce_sum(diag_part(x), axis=-1)


# --- decompositions (forward only) ------------------------------------------------------------
def _qr_impl(x, full_matrices):
    q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)


def _qr_rule(x: Spec, full_matrices):
    if x.shape is None:
        return Spec(None, x.dtype), Spec(None, x.dtype)
    m, n = x.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    batch = tuple(x.shape[:-2])
    if full_matrices:
        return Spec(batch + (m, m), x.dtype), Spec(batch + (m, n), x.dtype)
    return Spec(batch + (m, k), x.dtype), Spec(batch + (k, n), x.dtype)


qr_p = primitive("qr", impl=_qr_impl, shape_rule=_qr_rule, multiple_results=True,
                 dtypes=_FLOAT)


def qr(input, full_matrices: bool = False, name=None) -> tuple:
    """(q, r) with input = q @ r, q orthonormal columns, r upper triangular (no gradient)."""
    return qr_p.bind(_tensor(input), full_matrices=bool(full_matrices))


def _svd_impl(x, full_matrices, compute_uv):
    if not compute_uv:
        return (np.linalg.svd(x, compute_uv=False).astype(x.real.dtype, copy=False),)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    v = np.conj(_mT(vh))
    return (s.astype(x.real.dtype, copy=False), u.astype(x.dtype, copy=False),
            np.ascontiguousarray(v).astype(x.dtype, copy=False))


def _svd_rule(x: Spec, full_matrices, compute_uv):
    real = x.dtype.real_dtype
    if x.shape is None:
        specs = (Spec(None, real), Spec(None, x.dtype), Spec(None, x.dtype))
        return specs if compute_uv else specs[:1]
    m, n = x.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    batch = tuple(x.shape[:-2])
    s = Spec(batch + (k,), real)
    if not compute_uv:
        return (s,)
    if full_matrices:
        return s, Spec(batch + (m, m), x.dtype), Spec(batch + (n, n), x.dtype)
    return s, Spec(batch + (m, k), x.dtype), Spec(batch + (n, k), x.dtype)


svd_p = primitive("svd", impl=_svd_impl, shape_rule=_svd_rule, multiple_results=True,
                  dtypes=_FLOAT)


def svd(tensor, full_matrices: bool = False, compute_uv: bool = True, name=None):
    """Singular values s (descending), and u, v with tensor = u @ diag(s) @ adjoint(v).

    Returns (s, u, v), or s alone when `compute_uv` is False (no gradient).
    """
    out = svd_p.bind(_tensor(tensor), full_matrices=bool(full_matrices),
                     compute_uv=bool(compute_uv))
    return tuple(out) if compute_uv else out[0]


def _eigh_impl(x):
    _require_square(x.shape, "SelfAdjointEigV2")
    e, v = np.linalg.eigh(x)  # reads the lower triangle, as TF
    return e.astype(x.real.dtype, copy=False), v.astype(x.dtype, copy=False)


def _eigh_rule(x: Spec):
    _require_square(x.shape, "SelfAdjointEigV2")
    if x.shape is None:
        return Spec(None, x.dtype.real_dtype), Spec(None, x.dtype)
    return Spec(x.shape[:-1], x.dtype.real_dtype), x


def _eigh_grad(g, out, x):
    # A = V diag(e) V^H. With F_ij = 1 / (e_j - e_i) off the diagonal (0 on it):
    # dA = V (diag(ge) + F * (V^H gV)) V^H, symmetrized onto the lower triangle the op reads.
    ge, gv = g
    e, v = out
    ones = ones_like(e)
    gap = subtract(einsum("...j,...i->...ij", e, ones), einsum("...i,...j->...ij", e, ones))
    f = set_diag(_math_reciprocal_safe(gap), zeros_like(e))
    inner = add(diag(cast(ge, v.dtype)), multiply(cast(f, v.dtype),
                                                    matmul(v, gv, adjoint_a=True)))
    grad = matmul(v, matmul(inner, v, adjoint_b=True))
    grad = band_part(add(grad, adjoint(grad)), -1, 0)
    return (set_diag(grad, multiply(diag_part(grad), 0.5)),)


def _math_reciprocal_safe(x):
    """1 / x with the (diagonal) zeros of x giving 0 instead of inf."""
    zero = cast(equal(x, 0), x.dtype)
    return subtract(realdiv(ones_like(x), add(x, zero)), zero)


eigh_p = primitive("eigh", impl=_eigh_impl, shape_rule=_eigh_rule, grad=_eigh_grad,
                   multiple_results=True, dtypes=_FLOAT)


def eigh(tensor, name=None) -> tuple:
    """(e, v): ascending eigenvalues and eigenvectors of self-adjoint matrices (lower
    triangle read)."""
    e, v = eigh_p.bind(_tensor(tensor))
    return e, v


def eigvalsh(tensor, name=None) -> Tensor:
    """Ascending eigenvalues of self-adjoint matrices."""
    return eigh(tensor)[0]


def lstsq(matrix, rhs, l2_regularizer=0.0, fast: bool = True, name=None) -> Tensor:
    """The least-squares solution X of matrix @ X = rhs (regularized by `l2_regularizer`),
    through the normal equations."""
    a, b = _tensor(matrix), _tensor(rhs)
    shape = a._shape_tuple()
    if shape is None or None in shape[-2:]:
        raise ValueError("lstsq needs a matrix whose last two dimensions are known.")
    m, n = shape[-2:]
    if m >= n:
        gram = matmul(a, a, adjoint_a=True)
        gram = set_diag(gram, add(diag_part(gram), l2_regularizer))
        return solve(gram, matmul(a, b, adjoint_a=True))
    gram = matmul(a, a, adjoint_b=True)
    gram = set_diag(gram, add(diag_part(gram), l2_regularizer))
    return matmul(a, solve(gram, b), adjoint_a=True)


def _cross_rule(a: Spec, b: Spec) -> Spec:
    if a.shape is not None and a.shape and a.shape[-1] not in (None, 3):
        raise InvalidArgumentError(None, None, f"cross: inner dimension must be 3, got shape "
                                               f"{list(a.shape)} [Op:Cross]")
    return Spec(broadcast_shapes(a.shape, b.shape, "Cross"), a.dtype)


def _cross_impl(a, b):
    if a.ndim == 0 or a.shape[-1] != 3 or b.ndim == 0 or b.shape[-1] != 3:
        raise InvalidArgumentError(None, None, f"cross: inputs must have 3 as their last "
                                               f"dimension, got {list(a.shape)} and "
                                               f"{list(b.shape)} [Op:Cross]")
    return np.cross(a, b)


cross_p = primitive(
    "cross", impl=_cross_impl, shape_rule=_cross_rule,
    grad=lambda g, out, a, b: (unbroadcast(cross_p.bind(b, g), a),
                               unbroadcast(cross_p.bind(g, a), b)))


def cross(a, b, name=None) -> Tensor:
    """Pairwise cross product of 3-vectors along the last axis."""
    return cross_p.bind(a, b)


def normalize(tensor, ord="euclidean", axis=None, name=None) -> tuple:
    """(tensor / norm, norm), with the norm kept broadcastable (keepdims)."""
    x = _tensor(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return realdiv(x, n), n
