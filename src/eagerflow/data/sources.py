"""Source datasets: tensor slices, tensors, generators, ranges, zip, files (text, TFRecord)."""

from __future__ import annotations

import glob
import os
import traceback

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core import errors
from eagerflow.core.shape import TensorShape
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import constant_array
from eagerflow.data import structure
from eagerflow.data.dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    int_arg,
)
from eagerflow.data.threads import close_iterator, cpu_count

__all__ = ["TensorSliceDataset", "TensorDataset", "GeneratorDataset", "RangeDataset",
           "ZipDataset", "RandomDataset", "ElementsDataset", "TextLineDataset",
           "TFRecordDataset", "list_files", "string_scalar", "op_seeds"]


def string_scalar(value: bytes) -> np.ndarray:
    """A 0-d object array holding `value` (the internal form of a string scalar)."""
    array = np.empty((), dtype=object)
    array[()] = value
    return array


def op_seeds(seed):
    """TF's (global, op) seed pair for a dataset op, or None for fresh entropy."""
    try:
        from eagerflow.ops.random import get_seed
    except ImportError:  # the random family is optional here
        return None if seed is None else (0, int_arg(seed, "seed"))
    pair = get_seed(None if seed is None else int_arg(seed, "seed"))
    return None if pair[0] is None and pair[1] is None else pair


def _iter_rows(array: np.ndarray):
    if array.dtype == object and array.ndim == 1:
        return (array[i, ...] for i in range(array.shape[0]))
    return iter(array)


class TensorSliceDataset(Dataset):
    """`from_tensor_slices`: rows of every component, by index into the arrays (no copies)."""

    def __init__(self, tensors) -> None:
        element = structure.normalize(tensors)
        leaves = structure.flatten(element)
        if not leaves:
            raise ValueError("Invalid `tensors`: an empty structure cannot be sliced.")
        n = None
        for leaf in leaves:
            if not isinstance(leaf, np.ndarray) or leaf.ndim == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if n is None:
                n = leaf.shape[0]
            elif leaf.shape[0] != n:
                raise ValueError(f"Dimensions {n} and {leaf.shape[0]} are not compatible")
        self._element = element
        self._leaves = leaves
        self._n = n

    def _compute_spec(self):
        return structure.map_leaves(
            lambda leaf: TensorSpec(leaf.shape[1:], structure.leaf_dtype(leaf)), self._element)

    def _compute_cardinality(self) -> int:
        return self._n

    def _make_iter(self):
        element = self._element
        if isinstance(element, np.ndarray):
            return _iter_rows(element)
        iterators = [_iter_rows(leaf) for leaf in self._leaves]
        if type(element) is tuple and all(isinstance(e, np.ndarray) for e in element):
            return zip(*iterators)
        return (structure.pack(element, values) for values in zip(*iterators))

    def _batches(self, batch_size: int, drop_remainder: bool):
        """Batches as slices of the arrays (the fast path of `batch` on this source)."""
        n, element = self._n, self._element
        stop = n - n % batch_size if drop_remainder else n
        if isinstance(element, np.ndarray):
            for start in range(0, stop, batch_size):
                yield element[start:start + batch_size]
            return
        for start in range(0, stop, batch_size):
            yield structure.pack(element, [leaf[start:start + batch_size]
                                           for leaf in self._leaves])


class TensorDataset(Dataset):
    """`from_tensors`: a single element."""

    def __init__(self, tensors) -> None:
        self._element = structure.normalize(tensors)

    def _compute_spec(self):
        return structure.spec_of(self._element)

    def _compute_cardinality(self) -> int:
        return 1

    def _make_iter(self):
        return iter((self._element,))


class ElementsDataset(Dataset):
    """A dataset over a list of internal elements (windows, groups).

    `spec`: the element spec, a callable computing it, or None (from the first element).
    """

    def __init__(self, elements: list, spec=None) -> None:
        self._elements = elements
        self._spec = spec

    def _compute_spec(self):
        if callable(self._spec):
            self._spec = self._spec()
        if self._spec is not None:
            return self._spec
        if not self._elements:
            raise ValueError("The element spec of an empty dataset is unknown.")
        return structure.spec_of(self._elements[0])

    def _compute_cardinality(self) -> int:
        return len(self._elements)

    def _make_iter(self):
        return iter(self._elements)


class RangeDataset(Dataset):
    """`Dataset.range(start, stop, step, dtype=tf.int64)`; `counter` when infinite."""

    _CHUNK = 4096

    def __init__(self, *args, dtype=None, name=None, infinite=False) -> None:
        if infinite:
            start, _, step = args
            self._range = None
            self._start, self._step = int_arg(start, "start"), int_arg(step, "step")
        else:
            if not 1 <= len(args) <= 3:
                raise ValueError(f"Invalid arguments to `range`: {args}")
            values = [int_arg(a, "range argument") for a in args]
            if values[-1] == 0 and len(values) == 3:
                raise errors.InvalidArgumentError(None, None, "step must be a non-zero "
                                                  "integer. [Op:RangeDataset]")
            self._range = range(*values)
        self._dtype = _dtypes.int64 if dtype is None else _dtypes.as_dtype(dtype)

    def _compute_spec(self):
        return TensorSpec((), self._dtype)

    def _compute_cardinality(self) -> int:
        return INFINITE_CARDINALITY if self._range is None else len(self._range)

    def _make_iter(self):
        numpy_dtype = self._dtype._numpy
        chunk = self._CHUNK
        if self._range is None:
            start, step = self._start, self._step

            def count():
                position = start
                while True:
                    yield from np.arange(position, position + step * chunk, step,
                                         dtype=np.int64).astype(numpy_dtype)
                    position += step * chunk
            return count()
        r = self._range

        def ranged():
            for low in range(0, len(r), chunk):
                part = r[low:low + chunk]
                yield from np.arange(part.start, part.stop, part.step,
                                     dtype=np.int64).astype(numpy_dtype, copy=False)
        return ranged()


class RandomDataset(Dataset):
    """`Dataset.random`: infinite pseudo-random int64 scalars."""

    def __init__(self, seed, rerandomize: bool) -> None:
        self._seeds = op_seeds(seed)
        self._entropy = np.random.SeedSequence().entropy if self._seeds is None else None
        self._rerandomize = rerandomize
        self._epoch = 0

    def _compute_spec(self):
        return TensorSpec((), _dtypes.int64)

    def _compute_cardinality(self) -> int:
        return INFINITE_CARDINALITY

    def _make_iter(self):
        epoch = self._epoch
        if self._rerandomize:
            self._epoch += 1
        base = list(self._seeds) if self._seeds is not None else [self._entropy]
        rng = np.random.default_rng([int(s) & (2 ** 63 - 1) for s in base] + [epoch])

        def draw():
            while True:
                yield from rng.integers(0, 2 ** 63 - 1, size=1024, dtype=np.int64)
        return draw()


def _signature(output_types, output_shapes, output_signature):
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError("The `output_types` and `output_shapes` arguments cannot be used "
                            "together with the `output_signature` argument.")
        for leaf in structure.flatten(output_signature):
            if not isinstance(leaf, TensorSpec):
                raise TypeError("The `output_signature` argument must contain `tf.TypeSpec` "
                                f"objects, but it contains {leaf!r}.")
        return output_signature
    if output_types is None:
        raise TypeError("The `output_types` argument can not be None. Pass "
                        "`output_signature` (a structure of tf.TensorSpec) instead.")
    types = structure.map_leaves(_dtypes.as_dtype, output_types)
    if output_shapes is None:
        return structure.map_leaves(lambda t: TensorSpec(None, t), types)
    flat_types = structure.flatten(types)
    flat_shapes = _flatten_shapes(output_shapes, len(flat_types))
    return structure.pack(types, [TensorSpec(s, t) for s, t in zip(flat_shapes, flat_types)])


def _flatten_shapes(shapes, count: int) -> list:
    """Shapes given as a structure of shapes (each a tuple/list/TensorShape/None)."""
    if count == 1 and (shapes is None or isinstance(shapes, TensorShape)
                       or (isinstance(shapes, (list, tuple))
                           and all(d is None or isinstance(d, int) for d in shapes))):
        return [TensorShape(shapes)]
    if isinstance(shapes, dict):
        return [s for k in sorted(shapes) for s in _flatten_shapes(shapes[k], 1)] \
            if all(_is_shape(v) for v in shapes.values()) else \
            [s for k in sorted(shapes) for s in _flatten_shapes(shapes[k], -1)]
    if isinstance(shapes, (list, tuple)):
        out = []
        for item in shapes:
            out.extend([TensorShape(item)] if _is_shape(item) else _flatten_shapes(item, -1))
        return out
    return [TensorShape(shapes)]


def _is_shape(value) -> bool:
    return value is None or isinstance(value, TensorShape) or (
        isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value))


_PY_FUNC_ERRORS = (
    ((ValueError, TypeError), errors.InvalidArgumentError),
    ((StopIteration, IndexError), errors.OutOfRangeError),
    ((MemoryError,), errors.ResourceExhaustedError),
    ((NotImplementedError,), errors.UnimplementedError),
)


def generator_error(exc: BaseException) -> errors.OpError:
    """TF's error for an exception raised inside a generator (py_func's mapping)."""
    if isinstance(exc, errors.OpError):
        return exc
    cls = errors.UnknownError
    for types, error in _PY_FUNC_ERRORS:
        if isinstance(exc, types):
            cls = error
            break
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return cls(None, None, f"{type(exc).__name__}: {exc}\nTraceback (most recent call last):\n"
                           f"{text}")


class GeneratorDataset(Dataset):
    """`from_generator`: values yielded by a Python generator, converted to the signature."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        self._generator = generator
        self._signature = _signature(output_types, output_shapes, output_signature)
        self._flat_specs = structure.flatten(self._signature)
        self._args = tuple(structure.to_numpy(structure.normalize(a)) for a in (args or ()))

    def _compute_spec(self):
        return self._signature

    def _make_iter(self):
        return self._run()

    def _run(self):
        try:
            source = iter(self._generator(*self._args))
        except Exception as exc:
            raise generator_error(exc) from exc
        try:
            while True:
                try:
                    value = next(source)
                except StopIteration:
                    return
                except Exception as exc:
                    raise generator_error(exc) from exc
                yield self._convert(value)
        finally:
            close_iterator(source)

    def _convert(self, value):
        signature = self._signature
        if isinstance(signature, TensorSpec):
            return _convert_leaf(value, signature)
        try:
            flat = _flatten_like(signature, value)
        except (TypeError, ValueError, KeyError):
            raise errors.InvalidArgumentError(
                None, None, "TypeError: `generator` yielded an element that did not match the "
                f"expected structure. The expected structure was "
                f"{structure.map_leaves(lambda s: s.dtype, signature)}, but the yielded "
                f"element was {value!r}.") from None
        return structure.pack(signature, [_convert_leaf(v, s)
                                          for v, s in zip(flat, self._flat_specs)])


def _flatten_like(signature, value) -> list:
    if isinstance(signature, dict):
        if not isinstance(value, dict) or set(value) != set(signature):
            raise TypeError("structure")
        return [leaf for k in sorted(signature) for leaf in _flatten_like(signature[k], value[k])]
    if isinstance(signature, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(signature):
            raise TypeError("structure")
        return [leaf for s, v in zip(signature, value) for leaf in _flatten_like(s, v)]
    return [value]


def _convert_leaf(value, spec: TensorSpec):
    dtype = spec.dtype
    try:
        if dtype is _dtypes.string:
            array = constant_array(value, _dtypes.string)
        else:
            array = np.asarray(value)
            if array.dtype.kind in "USO":
                raise TypeError("string")
            array = array.astype(dtype._numpy, copy=False)
    except (TypeError, ValueError):
        raise errors.InvalidArgumentError(
            None, None, f"TypeError: `generator` yielded an element that could not be "
            f"converted to the expected type. The expected type was {dtype.name}, but the "
            f"yielded element was {value!r}.") from None
    if not spec.shape.is_compatible_with(array.shape):
        raise errors.InvalidArgumentError(
            None, None, f"TypeError: `generator` yielded an element of shape "
            f"{TensorShape(array.shape)} where an element of shape {spec.shape} was expected.")
    if array.ndim == 0 and array.dtype != object:
        return array[()]
    return array


class ZipDataset(Dataset):
    """`Dataset.zip`: elements of several datasets side by side, in their structure."""

    def __init__(self, datasets) -> None:
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        self._structure = datasets
        self._datasets = structure.flatten(datasets)
        for d in self._datasets:
            if not isinstance(d, Dataset):
                raise TypeError("Invalid `datasets`. `datasets` is expected to be a (nested) "
                                "structure of `tf.data.Dataset` objects. Python `list` is not "
                                f"supported and you should use `tuple` instead. Got {d!r}.")
        self._inputs = tuple(self._datasets)

    def _compute_spec(self):
        return structure.pack(self._structure, [d.element_spec for d in self._datasets])

    def _compute_cardinality(self) -> int:
        result = INFINITE_CARDINALITY
        for d in self._datasets:
            n = d._compute_cardinality()
            if n == UNKNOWN_CARDINALITY:
                return UNKNOWN_CARDINALITY
            if n != INFINITE_CARDINALITY and (result == INFINITE_CARDINALITY or n < result):
                result = n
        return result

    def _make_iter(self):
        iterators = [d._make_iter() for d in self._datasets]
        template = self._structure
        flat_tuple = type(template) is tuple and all(isinstance(d, Dataset) for d in template)

        def zipped():
            try:
                for values in zip(*iterators):
                    yield values if flat_tuple else structure.pack(template, values)
            finally:
                for iterator in iterators:
                    close_iterator(iterator)
        return zipped()


def _filenames(filenames) -> list:
    """File names as a list of str from str/bytes, lists, or string tensors."""
    if isinstance(filenames, Dataset):
        raise TypeError("dataset")
    if isinstance(filenames, (str, bytes, os.PathLike)):
        filenames = [filenames]
    elif not isinstance(filenames, (list, tuple)):
        array = np.asarray(structure.normalize(filenames), dtype=object)
        filenames = list(array.reshape(-1))
    out = []
    for name in filenames:
        if hasattr(name, "numpy"):
            name = name.numpy()
        if isinstance(name, np.ndarray):
            name = name[()]
        if isinstance(name, bytes):
            name = name.decode("utf-8")
        if not isinstance(name, (str, os.PathLike)):
            raise TypeError(f"`filenames` must be strings, got {name!r}.")
        out.append(os.fspath(name))
    return out


class _FileDataset(Dataset):
    """Shared by TextLineDataset and TFRecordDataset: one reader per file, interleaved."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None) -> None:
        from eagerflow.data import tfrecord

        self._compression = tfrecord.compression_name(compression_type)
        self._buffer_size = buffer_size
        if isinstance(filenames, Dataset):
            self._files_dataset = filenames
        else:
            names = _filenames(filenames)
            array = np.empty(len(names), dtype=object)
            array[:] = [n.encode("utf-8") for n in names]
            self._files_dataset = TensorSliceDataset(array)
        self._inputs = (self._files_dataset,)
        if num_parallel_reads is not None:
            num_parallel_reads = int_arg(num_parallel_reads, "num_parallel_reads")
            if num_parallel_reads == AUTOTUNE:
                num_parallel_reads = cpu_count()
        self._parallel = num_parallel_reads

    def _compute_spec(self):
        return TensorSpec((), _dtypes.string)

    def _read_file(self, path: str):
        raise NotImplementedError

    def _file_dataset(self, filename):
        reader = self._read_file
        path = filename.numpy().decode("utf-8") if hasattr(filename, "numpy") else filename

        class _OneFile(Dataset):
            def _compute_spec(self):
                return TensorSpec((), _dtypes.string)

            def _make_iter(self):
                return reader(path)
        return _OneFile()

    def _make_iter(self):
        files = self._files_dataset
        if self._parallel is None or self._parallel <= 1:
            def sequential():
                names = files._make_iter()
                try:
                    for name in names:
                        records = self._read_file(_as_path(name))
                        try:
                            yield from records
                        finally:
                            close_iterator(records)
                finally:
                    close_iterator(names)
            return sequential()
        interleaved = files.interleave(self._file_dataset, cycle_length=self._parallel,
                                       block_length=1, num_parallel_calls=self._parallel)
        return interleaved._make_iter()


def _as_path(name) -> str:
    value = name[()] if isinstance(name, np.ndarray) else name
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class TextLineDataset(_FileDataset):
    """`tf.data.TextLineDataset`: the lines of text files (without line endings)."""

    def _read_file(self, path: str):
        from eagerflow.data import tfrecord

        def lines():
            with tfrecord.open_read(path, self._compression) as handle:
                for line in handle:
                    if line.endswith(b"\n"):
                        line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                    yield string_scalar(line)
        return lines()


class TFRecordDataset(_FileDataset):
    """`tf.data.TFRecordDataset`: the records of TFRecord files (CRCs checked)."""

    def _read_file(self, path: str):
        from eagerflow.data import tfrecord

        def records():
            for record in tfrecord.read_records(path, self._compression):
                yield string_scalar(record)
        return records()


def list_files(file_pattern, shuffle=None, seed=None) -> Dataset:
    """`Dataset.list_files`: sorted matches of the patterns, shuffled unless shuffle=False."""
    patterns = _filenames(file_pattern)
    matches = sorted({path for pattern in patterns for path in glob.glob(pattern)})
    if not matches:
        raise errors.InvalidArgumentError(
            None, None, "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
            f"Summarized data: b'No files matched pattern: {', '.join(patterns)}'")
    names = np.empty(len(matches), dtype=object)
    names[:] = [m.encode("utf-8") for m in matches]
    dataset = TensorSliceDataset(names)
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(len(matches), seed=seed)
    return dataset
