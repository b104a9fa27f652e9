"""Algebraic simplification: identities removed only when dtype and static shape stay exact."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.compiler.passes.dce import eliminate_dead_code
from eagerflow.compiler.passes.simplify import simplify
from eagerflow.core.primitive import REGISTRY
from tests.compiler import execute, function, ops, run_passes, same_bits, text

PASSES = [simplify, eliminate_dead_code]


def simplified(fn, *args, signature=None):
    return run_passes(PASSES, fn, *args, signature=signature)


def test_neutral_elements_and_identity_vanish():
    graph = simplified(lambda x: tf.identity(x * 1.0 + 0.0) / 1.0 - 0.0, tf.ones([3]))
    assert text(graph) == "graph _lambda_(%in0: float32[3]) {\n  return (%in0)\n}"


def test_neutral_element_on_the_left():
    graph = simplified(lambda x: 1.0 * (0.0 + x), tf.ones([2]))
    assert ops(graph) == []
    assert graph.outputs[0] is graph.inputs[0]


def test_integer_identities_keep_dtype():
    graph = simplified(lambda x: (x + 0) * 1 - 0, tf.constant([1, 2], tf.int32))
    assert ops(graph) == [] and graph.outputs[0].dtype == tf.int32


def test_constant_that_broadcasts_up_is_kept():
    graph = simplified(lambda x: x * tf.ones([2, 3]), tf.ones([3]))
    assert ops(graph) == ["multiply"]
    assert graph.outputs[0].shape.as_list() == [2, 3]
    graph = simplified(lambda x: x + tf.zeros([3]), tf.ones([]))
    assert ops(graph) == ["add"]


def test_constant_of_ones_with_matching_shape_is_removed():
    graph = simplified(lambda x: x * tf.ones([3]), tf.ones([2, 3]))
    assert ops(graph) == []
    graph = simplified(lambda x: x * tf.ones([1, 3]), signature=[tf.TensorSpec([None, 3])])
    assert ops(graph) == []


def test_unknown_dims_and_array_constants():
    # x of unknown size times ones([3]): x may have size 1 at run time and grow.
    graph = simplified(lambda x: x * tf.ones([3]), signature=[tf.TensorSpec([None])])
    assert ops(graph) == ["multiply"]
    graph = simplified(lambda x: x * 1.0, signature=[tf.TensorSpec(None)])
    assert ops(graph) == []


def test_not_neutral_values_are_kept():
    graph = simplified(lambda x: (x * 2.0 + 1.0) / 3.0 - 0.5, tf.ones([3]))
    assert ops(graph) == ["multiply", "add", "realdiv", "subtract"]
    graph = simplified(lambda x: 0.0 - x, tf.ones([3]))  # 0 - x is not x
    assert ops(graph) == ["subtract"]
    graph = simplified(lambda x: 1.0 / x, tf.ones([3]))
    assert ops(graph) == ["realdiv"]
    graph = simplified(lambda x: x * tf.constant([1.0, 2.0, 1.0]), tf.ones([3]))
    assert ops(graph) == ["multiply"]


def test_double_negation():
    graph = simplified(lambda x: tf.negative(tf.negative(x)), tf.ones([3]))
    assert ops(graph) == []
    graph = simplified(lambda x: tf.negative(tf.negative(tf.negative(x))), tf.ones([3]))
    assert ops(graph) == ["negative"]


def test_cast_to_the_same_dtype():
    cast = REGISTRY["cast"]
    graph = simplified(lambda x: cast.bind(x, dtype=np.dtype(np.float32)), tf.ones([3]))
    assert ops(graph) == []
    graph = simplified(lambda x: tf.cast(x, tf.int32), tf.ones([3]))
    assert ops(graph) == ["cast"]


def test_double_transpose_to_identity_is_removed():
    graph = simplified(lambda x: tf.transpose(tf.transpose(x, [1, 2, 0]), [2, 0, 1]),
                       tf.ones([2, 3, 4]))
    assert ops(graph) == []


def test_double_transpose_composes_perms():
    def f(x):
        return tf.transpose(tf.transpose(x, [1, 0, 2]), [0, 2, 1])

    x = np.random.rand(2, 3, 4).astype(np.float32)
    graph = simplified(f, tf.constant(x))
    assert text(graph) == (
        "graph f(%in0: float32[2,3,4]) {\n"
        "  %0: float32[3,4,2] = transpose(%in0) {perm=(1, 2, 0), conjugate=False}\n"
        "  return (%0)\n}")
    assert same_bits(execute(graph, x)[0], f(tf.constant(x)).numpy())


def test_conjugate_transposes_are_not_composed():
    graph = simplified(lambda x: tf.transpose(tf.transpose(x, conjugate=True), conjugate=True),
                       tf.complex(tf.ones([2, 3]), tf.ones([2, 3])))
    assert ops(graph) == ["transpose", "transpose"]


def test_reshape_chains():
    def f(x):
        return tf.reshape(tf.reshape(x, [6]), [3, 2])

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    graph = simplified(f, tf.constant(x))
    assert text(graph) == (
        "graph f(%in0: float32[2,3]) {\n"
        "  %0: float32[3,2] = reshape(%in0) {shape=(3, 2)}\n"
        "  return (%0)\n}")
    assert same_bits(execute(graph, x)[0], x.reshape(3, 2))
    graph = simplified(lambda x: tf.reshape(tf.reshape(x, [6]), [2, -1]), tf.constant(x))
    assert ops(graph) == []


def test_reshape_with_unknown_dims_is_kept():
    graph = simplified(lambda x: tf.reshape(x, [-1, 3]), signature=[tf.TensorSpec([None, 3])])
    assert ops(graph) == ["reshape"]


def test_identity_with_a_refined_shape_is_kept():
    def f(x):
        y = tf.identity(x)
        y.set_shape([3])
        return y

    graph = simplified(f, signature=[tf.TensorSpec([None])])
    assert ops(graph) == ["identity"]
    assert graph.outputs[0].shape.as_list() == [3]


def test_rewiring_reaches_every_use_and_output():
    def f(x):
        a = tf.identity(x)
        return a * 3.0, a, tf.negative(tf.negative(a)) + a

    x = np.random.rand(4).astype(np.float32)
    graph = simplified(f, tf.constant(x))
    assert ops(graph) == ["multiply", "add"]
    assert graph.outputs[1] is graph.inputs[0]
    for got, want in zip(execute(graph, x), f(tf.constant(x))):
        assert same_bits(got, want.numpy())


def test_traced_graph_is_untouched():
    compiled = function(lambda x: tf.identity(x) * 1.0)
    concrete = compiled.get_concrete_function(tf.ones([2]))
    assert [n.op.name for n in concrete.graph.nodes] == [
        "placeholder", "identity", "constant", "multiply"]
    assert ops(concrete.optimized_graph) == []


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64])
def test_compiled_equals_eager(dtype):
    def f(x):
        y = tf.reshape(tf.reshape(x * 1 + 0, [4, 3]), [12])
        return tf.transpose(tf.transpose(tf.reshape(tf.negative(tf.negative(y)), [3, 4]))) - 0

    x = tf.cast(tf.constant(np.arange(12).reshape(3, 4) - 5), dtype)
    got = function(f)(x)
    assert same_bits(got.numpy(), f(x).numpy())


def test_complex_one_is_not_neutral():
    x = tf.complex(tf.constant([np.inf, 1.0]), tf.constant([0.0, 2.0]))
    one = tf.complex(1.0, 0.0)
    graph = simplified(lambda x: x * one, x)
    assert ops(graph) == ["multiply"]
    with np.errstate(invalid="ignore"):  # inf * 0 in the imaginary part, as eagerly
        assert same_bits(execute(graph, x.numpy())[0], (x * one).numpy())
