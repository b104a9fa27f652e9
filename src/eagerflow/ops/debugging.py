"""Debugging ops: `tf.print`, the `tf.debugging.assert_*` family, `Assert`, `check_numerics`.

Printing and data-dependent checks are stateful primitives: eagerly they act at once, and in
a compiled function they act at every call. Their kernels do the work (write, or raise
`InvalidArgumentError`) and return a dummy scalar. Checks that need only static shapes or
dtypes run in Python and raise ValueError/TypeError, as TF's static checks do.
"""

from __future__ import annotations

import pprint
import sys
import uuid

import numpy as np

from eagerflow.core import dtypes, nest
from eagerflow.core.errors import InvalidArgumentError
from eagerflow.core.primitive import Spec, primitive
from eagerflow.core.tensor import EagerTensor, Tensor, convert_to_tensor, is_tensor

__all__ = ["print", "Assert", "assert_equal", "assert_greater", "assert_less", "assert_rank"]
NAMESPACES: dict = {"debugging": [
    "Assert", "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal",
    "assert_greater", "assert_greater_equal", "assert_near", "assert_positive",
    "assert_negative", "assert_non_negative", "assert_non_positive", "assert_rank",
    "assert_rank_at_least", "assert_rank_in", "assert_shapes", "assert_type",
    "assert_all_finite", "assert_integer", "assert_scalar", "assert_same_float_dtype",
    "assert_proper_iterable", "check_numerics", "is_numeric_tensor",
]}

_DONE = Spec((), dtypes.bool)


def _done():
    return np.array(True)


# --- TF's tensor text (Tensor::SummarizeValue with print_v2) ---------------------------------
def _float_text(value, short: int, long: int) -> str:
    if np.isnan(value):
        return "-nan" if np.signbit(value) else "nan"
    text = f"{float(value):.{short}g}"
    if type(value)(text) != value:  # the short form does not round-trip: print more digits
        text = f"{float(value):.{long}g}"
    return text


def _element_text(value) -> str:
    if isinstance(value, (bytes, str)):
        item = value if isinstance(value, bytes) else value.encode()
        escaped = item.decode("utf-8", "backslashreplace").encode("unicode_escape").decode()
        return '"' + escaped.replace('"', '\\"') + '"'
    kind = value.dtype.kind
    if kind == "f":
        if value.dtype == np.float64:
            return _float_text(value, 15, 17)
        return _float_text(np.float32(value), 6, 9)
    if kind == "b":
        return "1" if value else "0"
    if kind in "iu":
        return str(int(value))
    if kind == "c":
        return str(complex(value))
    return str(value)


def format_tensor(array, summarize: int = 3) -> str:
    """A tensor's text as `tf.print` writes it: `[1 2 3]`, `[[1 2]\\n [3 4]]`, with at most
    `summarize` entries at each end of every dimension (`...` between; -1 for all)."""
    array = np.asarray(array)
    if array.dtype.name == "bfloat16" or array.dtype == np.float16:
        array = array.astype(np.float32)
    size = array.size
    edge = size if summarize is None or summarize < 0 else min(int(summarize), size)
    if array.ndim == 0:
        return _element_text(array[()]) if edge > 0 else ""
    return _format_dim(array, edge, 0)


def _format_dim(array, edge: int, depth: int) -> str:
    if not isinstance(array, np.ndarray) or array.ndim == 0:
        return _element_text(array[()] if isinstance(array, np.ndarray) else array)
    count = array.shape[0]
    rows = [_format_dim(array[i], edge, depth + 1) for i in range(min(edge, count))]
    if count > 2 * edge:
        rows.append("...")
    rows += [_format_dim(array[i], edge, depth + 1) for i in range(max(edge, count - edge), count)]
    spacing = " " if array.ndim == 1 else "\n" * (array.ndim - 1) + " " * (depth + 1)
    return "[" + spacing.join(rows) + "]"


# --- tf.print ---------------------------------------------------------------------------
def _write(text: str, stream) -> None:
    if stream == "stderr":
        target = sys.stderr
    elif stream == "stdout":
        target = sys.stdout
    elif isinstance(stream, str) and stream.startswith("file://"):
        with open(stream[len("file://"):], "a", encoding="utf-8") as handle:
            handle.write(text)
        return
    elif callable(stream) and not hasattr(stream, "write"):
        stream(text.rstrip("\n"))  # a logging function such as logging.info
        return
    else:
        target = stream
    target.write(text)
    if hasattr(target, "flush"):
        target.flush()


def _print_impl(*arrays, template, placeholder, summarize, stream, end, raw=False):
    if raw:  # a lone scalar string tensor prints as its text, as TF does
        value = np.asarray(arrays[0]).reshape(()).item()
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        _write(text + end, stream)
        return _done()
    pieces = template.split(placeholder)
    text = [pieces[0]]
    for array, piece in zip(arrays, pieces[1:]):
        text.append(format_tensor(array, summarize))
        text.append(piece)
    _write("".join(text) + end, stream)
    return _done()


print_p = primitive("print", impl=_print_impl, shape_rule=lambda *specs, **attrs: _DONE,
                    grad=None, same_dtype=False, side_effect=True)


def _stream_attr(stream):
    if stream is None or stream is sys.stderr:
        return "stderr"
    if stream is sys.stdout:
        return "stdout"
    if isinstance(stream, str) and not stream.startswith("file://"):
        if stream in ("stderr", "stdout"):
            return stream
        raise ValueError(f"Unsupported output stream, logging level, or file: {stream}. "
                         "Supported streams are sys.stdout, sys.stderr, a logging function "
                         "or a string starting with 'file://'.")
    return stream


def print(*inputs, **kwargs) -> None:  # noqa: A001 - TF's public name
    """Print tensors and Python values, as `tf.print` (to stderr unless `output_stream`).

    Tensors print in TF's compact form (`[1 2 3]`), summarized to `summarize` entries at
    each end of a dimension (default 3; -1 for all). Keyword arguments: `output_stream`
    (sys.stderr, sys.stdout, a logging function or 'file://path'), `summarize`, `sep`,
    `end`, `name`. Inside a compiled function it prints at every call.

    >>> tf.print("x:", tf.constant([1, 2, 3]), output_stream=sys.stdout)
    x: [1 2 3]
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", "\n")
    kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {sorted(kwargs)}")
    tensors = []
    free = nest.map_structure(lambda x: "" if is_tensor(x) else x, list(inputs))
    free_text = " ".join(pprint.pformat(x) for x in free)
    placeholder = "{" + uuid.uuid4().hex + "}"
    while placeholder in free_text or placeholder in sep:
        placeholder = "{" + uuid.uuid4().hex + "}"
    templates = []
    for item in inputs:
        if is_tensor(item):
            tensors.append(item)
            templates.append(placeholder)
        elif isinstance(item, str):
            templates.append(item)
        else:
            leaves = []
            for leaf in nest.flatten(item):
                if is_tensor(leaf):
                    tensors.append(leaf)
                    leaves.append(placeholder)
                else:
                    leaves.append(leaf)
            templates.append(pprint.pformat(nest.pack_sequence_as(item, leaves)))
    template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
    raw = (len(inputs) == 1 and len(tensors) == 1 and tensors[0].dtype == dtypes.string
           and tensors[0].shape.rank == 0)
    print_p.bind(*tensors, template=template, placeholder=placeholder,
                 summarize=-1 if summarize is None else int(summarize),
                 stream=_stream_attr(output_stream), end=end, raw=raw)
    return None


# --- the assert primitive: one kernel, a check per kind ------------------------------------
def _summary_list(array, summarize) -> str:
    """TF's eager `_pretty_print` of a tensor: its first entries as a list of strings."""
    array = np.asarray(array)
    if array.ndim == 0:
        return str(array[()])
    flat = array.reshape(-1)
    items = [str(x) for x in flat[:summarize]]
    if len(items) < flat.size:
        items.append("...")
    return str(items)


def _data_text(layout, arrays, summarize) -> str:
    lines = []
    for item in layout:
        if isinstance(item, str):
            if item:
                lines.append(item)
        else:
            lines.append(_summary_list(arrays[item], summarize))
    return "\n".join(lines)


_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}


def _compare_message(sym, x, y, test, summarize) -> list:
    """The data TF's eager binary asserts report: differing entries, then the first ones."""
    lines = [f"Condition x {sym} y did not hold."]
    if summarize > 0:
        if x.shape == y.shape and x.ndim:
            mask = ~test
            indices = np.argwhere(mask)
            count = min(summarize, indices.shape[0])
            lines += [f"Indices of first {count} different values:", str(indices[:count]),
                      "Corresponding x values:", str(x[mask].reshape(-1)[:count]),
                      "Corresponding y values:", str(y[mask].reshape(-1)[:count])]
        flat_x, flat_y = x.reshape(-1), y.reshape(-1)
        nx, ny = min(flat_x.size, summarize), min(flat_y.size, summarize)
        lines += [f"First {nx} elements of x:", str(flat_x[:nx]),
                  f"First {ny} elements of y:", str(flat_y[:ny])]
    return lines


def _check_compare(arrays, sym, layout, message, summarize):
    x, y = np.asarray(arrays[0]), np.asarray(arrays[1])
    try:
        test = np.broadcast_to(_COMPARE[sym](x, y), np.broadcast_shapes(x.shape, y.shape))
    except ValueError:
        return (f"Incompatible shapes: {list(x.shape)} vs. {list(y.shape)} in a binary "
                f"assert (x {sym} y)")
    if test.all():
        return None
    if layout is None:
        lines = ([message] if message else []) + _compare_message(sym, x, y, test, summarize)
        return "\n".join(lines)
    return _data_text(layout, arrays, summarize)


def _check_near(arrays, layout, message, summarize):
    x, y, rtol, atol = (np.asarray(a) for a in arrays[:4])
    if np.all(np.abs(x - y) <= atol + rtol * np.abs(y)):
        return None
    return _data_text(layout, arrays, summarize)


def _check_condition(arrays, layout, message, summarize):
    condition = np.asarray(arrays[0])
    if condition.size != 1:
        return f"In[0] should be a scalar: {list(condition.shape)}"
    if bool(condition.reshape(())):
        return None
    data = [_eager_summary(a, summarize) for a in arrays[1:]]
    shown = EagerTensor(condition)
    return f"Expected '{shown!s}' to be true. Summarized data: " + "\n".join(data)


def _eager_summary(array, summarize) -> str:
    """TF's `_summarize_eager`: the first `summarize` entries joined by ', '."""
    array = np.asarray(array)
    summarize = 3 if summarize is None else (array.size if summarize < 0 else summarize)
    if array.ndim == 0:
        return _item_text(array[()]) if summarize else ""
    flat = array.reshape(-1)
    items = [_item_text(x) for x in flat[:summarize]]
    if len(items) < flat.size:
        items.append("...")
    return ", ".join(items)


def _item_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _check_rank(arrays, ranks, at_least, layout, message, summarize):
    rank = np.ndim(arrays[0])
    ok = rank >= ranks[0] if at_least else rank in ranks
    if ok:
        return None
    want = (f"rank at least {ranks[0]}" if at_least else
            f"rank {ranks[0]}" if len(ranks) == 1 else f"rank in {list(ranks)}")
    return (f"{message}Tensor must have {want}. Received rank {rank}, shape "
            f"{list(np.shape(arrays[0]))}")


def _check_shapes(arrays, specs, layout, message, summarize):
    return _shapes_failure([np.shape(a) for a in arrays], specs, message)


_CHECKS = {"compare": _check_compare, "near": _check_near, "condition": _check_condition,
           "rank": _check_rank, "shapes": _check_shapes}


def _assert_impl(*arrays, check, **attrs):
    failure = _CHECKS[check](arrays, **attrs)
    if failure is not None:
        raise InvalidArgumentError(None, None, failure)
    return _done()


assert_p = primitive("assert", impl=_assert_impl, shape_rule=lambda *specs, **attrs: _DONE,
                     grad=None, same_dtype=False, side_effect=True)


def _run_check(check: str, tensors, **attrs) -> None:
    assert_p.bind(*tensors, check=check, **attrs)
    return None


# --- binary and unary element-wise asserts ----------------------------------------------------
def _tensor(x, like=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if like is not None:
        return convert_to_tensor(x, dtype_hint=like.dtype)
    return convert_to_tensor(x)


def _pair(x, y, op: str) -> tuple:
    x = _tensor(x)
    y = _tensor(y, like=x)
    if x.dtype != y.dtype:
        raise InvalidArgumentError(
            None, None, f"{op}: x and y must have the same dtype, got {x.dtype.name} and "
            f"{y.dtype.name}. Cast one side with tf.cast.")
    return x, y


def _summarize(summarize) -> int:
    if summarize is None:
        return 3
    return int(summarize) if summarize >= 0 else 10 ** 9


def _message_prefix(message) -> str:
    return f"{message}.  " if message else ""


def _binary(sym, op, x, y, message, summarize, layout=None):
    if x is y:
        return None
    x, y = _pair(x, y, op)
    return _run_check("compare", (x, y), sym=sym, layout=layout, message=message or "",
                      summarize=_summarize(summarize))


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raise InvalidArgumentError unless `x == y` element-wise (broadcasting)."""
    return _binary("==", "assert_equal", x, y, message, summarize)


def assert_none_equal(x, y, summarize=None, message=None, name=None):
    """Raise InvalidArgumentError unless `x != y` for every element."""
    return _binary("!=", "assert_none_equal", x, y, message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None):
    return _binary("<", "assert_less", x, y, message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    return _binary("<=", "assert_less_equal", x, y, message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None):
    return _binary(">", "assert_greater", x, y, message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    return _binary(">=", "assert_greater_equal", x, y, message, summarize)


def _shape_and_dtype(x: Tensor) -> str:
    return f"shape={x.shape} dtype={x.dtype.name}"


def _sign_assert(x, sym, zero_first: bool, message, summarize):
    x = _tensor(x)
    layout = (_message_prefix(message), f"Condition x {sym} 0 did not hold element-wise:",
              f"x ({_shape_and_dtype(x)}) = ", 0 if not zero_first else 1)
    zero = convert_to_tensor(0, x.dtype)
    pair = (zero, x) if zero_first else (x, zero)
    flipped = {">": "<", ">=": "<="}.get(sym, sym)
    return _run_check("compare", pair, sym=flipped, layout=layout, message="",
                      summarize=_summarize(summarize))


def assert_positive(x, message=None, summarize=None, name=None):
    """Raise InvalidArgumentError unless every element of `x` is > 0."""
    return _sign_assert(x, ">", True, message, summarize)


def assert_negative(x, message=None, summarize=None, name=None):
    return _sign_assert(x, "<", False, message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    return _sign_assert(x, ">=", True, message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    return _sign_assert(x, "<=", False, message, summarize)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raise InvalidArgumentError unless `|x - y| <= atol + rtol * |y|` element-wise.

    The default tolerances are `10 * eps` of the dtype.
    """
    x, y = _pair(x, y, "assert_near")
    real = x.dtype.real_dtype
    if not (real.is_floating):
        raise TypeError(f"assert_near needs floating or complex tensors, got {x.dtype.name}")
    eps = float(np.finfo(np.float32 if real._numpy.name == "bfloat16" else real._numpy).eps)
    rtol = convert_to_tensor(10 * eps if rtol is None else rtol, real)
    atol = convert_to_tensor(10 * eps if atol is None else atol, real)
    layout = (_message_prefix(message),
              f"x and y not equal to tolerance rtol = {_text(rtol)}, atol = {_text(atol)}",
              f"x ({_shape_and_dtype(x)}) = ", 0, f"y ({_shape_and_dtype(y)}) = ", 1)
    return _run_check("near", (x, y, rtol, atol), layout=layout, message="",
                      summarize=_summarize(summarize))


def _text(t) -> str:
    return str(t.numpy()) if isinstance(t, EagerTensor) else "<runtime value>"


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's public name
    """Raise InvalidArgumentError showing `data` when the scalar `condition` is false."""
    condition = _tensor(condition)
    tensors = [d if is_tensor(d) else convert_to_tensor(d) for d in data]
    return _run_check("condition", (condition, *tensors), layout=None, message="",
                      summarize=summarize)


# --- rank, shape and dtype asserts -----------------------------------------------------------
def _static_rank(x):
    return x.shape.rank


def _rank_value(rank, op: str) -> int:
    if isinstance(rank, Tensor):
        if rank.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{op}: rank must be an integer tensor, got {rank.dtype.name}")
        value = np.asarray(rank)
    else:
        value = np.asarray(rank)
    if value.ndim != 0:
        raise ValueError("Rank must be a scalar.")
    return int(value)


def _rank_assert(x, ranks: tuple, at_least: bool, message, op: str):
    x = _tensor(x)
    prefix = _message_prefix(message)
    actual = _static_rank(x)
    if actual is None:
        return _run_check("rank", (x,), ranks=ranks, at_least=at_least, layout=None,
                          message=prefix, summarize=3)
    ok = actual >= ranks[0] if at_least else actual in ranks
    if not ok:
        want = (f"rank at least {ranks[0]}" if at_least else
                f"rank {ranks[0]}" if op == "assert_rank" else f"rank in {list(ranks)}")
        raise ValueError(f"{prefix}Tensor must have {want}.  Received rank {actual}, shape "
                         f"{x.shape}")
    return None


def assert_rank(x, rank, message=None, name=None):
    """Check that `x` has rank `rank` (ValueError when known statically)."""
    return _rank_assert(x, (_rank_value(rank, "assert_rank"),), False, message, "assert_rank")


def assert_rank_at_least(x, rank, message=None, name=None):
    return _rank_assert(x, (_rank_value(rank, "assert_rank_at_least"),), True, message,
                        "assert_rank_at_least")


def assert_rank_in(x, ranks, message=None, name=None):
    ranks = tuple(_rank_value(r, "assert_rank_in") for r in ranks)
    return _rank_assert(x, ranks, False, message, "assert_rank_in")


def assert_scalar(tensor, message=None, name=None):
    """Raise ValueError unless `tensor` is a scalar."""
    tensor = _tensor(tensor)
    rank = _static_rank(tensor)
    if rank is None:
        return _run_check("rank", (tensor,), ranks=(0,), at_least=False, layout=None,
                          message=_message_prefix(message), summarize=3)
    if rank != 0:
        raise ValueError(f"{_message_prefix(message)}Expected scalar shape, saw shape: "
                         f"{tensor.shape}.")
    return tensor


def assert_type(tensor, tf_type, message=None, name=None):
    """Raise TypeError unless `tensor` has dtype `tf_type`."""
    tf_type = dtypes.as_dtype(tf_type)
    dtype = tensor.dtype if hasattr(tensor, "dtype") else _tensor(tensor).dtype
    if dtype != tf_type:
        raise TypeError(f"{_message_prefix(message)}tensor must be of type {tf_type.name}; "
                        f"got {dtype.name}")
    return None


def assert_integer(x, message=None, name=None):
    """Raise TypeError unless `x` has an integer dtype."""
    x = _tensor(x)
    if not x.dtype.is_integer:
        raise TypeError(f"{_message_prefix(message)}Expected Tensor ({_shape_and_dtype(x)}) "
                        f"to be of integer type; got {x.dtype.name}")
    return None


def assert_same_float_dtype(tensors=None, dtype=None):
    """The common floating dtype of `tensors` (and `dtype`); ValueError when they differ."""
    found = None if dtype is None else dtypes.as_dtype(dtype)
    for t in tensors or ():
        if found is None:
            found = t.dtype
        elif t.dtype != found:
            raise ValueError(f"Expected {found.name}, got {t.dtype.name} for tensor {t!r}.")
    found = dtypes.float32 if found is None else found
    if not found.is_floating:
        raise ValueError(f"Expected floating point type, got {found.name}.")
    return found


def assert_proper_iterable(values) -> None:
    """Raise TypeError when `values` is a tensor, array or string rather than an iterable."""
    if isinstance(values, (Tensor, np.ndarray, str, bytes)):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def _normalize_spec(spec) -> tuple:
    if isinstance(spec, str):
        spec = tuple(spec)
    items = []
    for d in (spec.as_list() if hasattr(spec, "as_list") else spec):
        items.append(d if isinstance(d, str) else (None if d is None else int(d)))
    return tuple(items)


def _shapes_failure(shapes: list, specs: tuple, message: str) -> str | None:
    """The first violation of `assert_shapes` specs by concrete `shapes`, or None."""
    sizes: dict = {}
    for index, (shape, spec) in enumerate(zip(shapes, specs)):
        leading = bool(spec) and spec[0] in ("*", "...")
        dims = spec[1:] if leading else spec
        rank = len(shape)
        if (rank < len(dims)) if leading else (rank != len(dims)):
            want = f"at least {len(dims)}" if leading else f"{len(dims)}"
            return (f"{message}Tensor #{index} specified as {list(spec)} must have rank "
                    f"{want}.  Received rank {rank}, shape {tuple(shape)}")
        actual = shape[rank - len(dims):]
        for position, (want, got) in enumerate(zip(dims, actual)):
            if want is None or want == ".":
                continue
            if isinstance(want, str):
                if want not in sizes:
                    sizes[want] = (got, index, position)
                    continue
                expected, source, source_dim = sizes[want]
                if got != expected:
                    return (f"{message}Specified by tensor #{source} dimension {source_dim}.  "
                            f"Tensor #{index} dimension {position} must have size {expected}. "
                            f" Received size {got}, shape {tuple(shape)}")
            elif got != want:
                return (f"{message}Specified explicitly.  Tensor #{index} dimension "
                        f"{position} must have size {want}.  Received size {got}, shape "
                        f"{tuple(shape)}")
    return None


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Check tensors against shape specs: ints, shared symbols ('N'), '.' for any size, and
    a leading '*' for any leading dims. ValueError when known statically.

    >>> tf.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N",))])
    """
    pairs = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    tensors, specs = [], []
    for x, spec in pairs:
        x = x.deref() if hasattr(x, "deref") else x
        tensors.append(_tensor(x))
        specs.append(_normalize_spec(spec))
    static = [t._shape_tuple() for t in tensors]
    prefix = _message_prefix(message)
    if all(s is not None and None not in s for s in static):
        failure = _shapes_failure(static, tuple(specs), prefix)
        if failure is not None:
            raise ValueError(failure)
        return None
    return _run_check("shapes", tensors, specs=tuple(specs), layout=None, message=prefix,
                      summarize=3)


# --- check_numerics -------------------------------------------------------------------------
def _numerics_impl(x, message):
    if x.dtype.kind in "fc" or x.dtype.name == "bfloat16":
        finite = np.isfinite(x)
        if not finite.all():
            has_nan = bool(np.isnan(x).any())
            has_inf = bool(np.isinf(x).any())
            status = "Inf and NaN" if has_nan and has_inf else "NaN" if has_nan else "Inf"
            raise InvalidArgumentError(None, None, f"{message} : Tensor had {status} values")
    return x


check_numerics_p = primitive(
    "check_numerics", impl=_numerics_impl, shape_rule=lambda x, message: x,
    grad=lambda g, out, x, message: (check_numerics(
        g, "Not a number (NaN) or infinity (Inf) values detected in gradient. " + message),),
    side_effect=True)


def check_numerics(tensor, message, name=None) -> Tensor:
    """`tensor` unchanged; InvalidArgumentError naming `message` if it holds NaN or Inf."""
    tensor = _tensor(tensor)
    if not (tensor.dtype.is_floating or tensor.dtype.is_complex):
        raise InvalidArgumentError(None, None, f"check_numerics: tensor must be floating "
                                   f"point, got {tensor.dtype.name}. [Op:CheckNumerics]")
    return check_numerics_p.bind(tensor, message=str(message))


def assert_all_finite(x, message, name=None) -> Tensor:
    """`x` unchanged; InvalidArgumentError if it holds NaN or Inf."""
    return check_numerics(x, message)


def is_numeric_tensor(tensor) -> bool:
    """True for a tensor of a numeric dtype (not bool or string)."""
    return is_tensor(tensor) and tensor.dtype not in (dtypes.bool, dtypes.string)

