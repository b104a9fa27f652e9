"""The public tf.autograph namespace: to_code, to_graph, and what tf.function traces."""

import functools

import numpy as np

import eagerflow as tf


def clip_loop(x):
    while tf.reduce_max(x) > 1.0:
        x = x / 2.0
    return x


class Model:
    def step(self, x):
        if x > 0:
            x = x - 1.0
        return x


def test_to_graph_result_runs_eagerly_and_in_tf_function():
    converted = tf.autograph.to_graph(clip_loop)
    np.testing.assert_allclose(converted(tf.constant([3.0, 1.0])).numpy(), [0.75, 0.25])
    compiled = tf.function(converted, autograph=False)
    np.testing.assert_allclose(compiled(tf.constant([3.0, 1.0])).numpy(), [0.75, 0.25])


def test_to_code_of_methods_and_tf_functions():
    assert "ag__.if_stmt" in tf.autograph.to_code(Model().step)
    assert "ag__.while_stmt" in tf.autograph.to_code(tf.function(clip_loop))


def test_convert_for_tracing_rebinds_methods_and_partials():
    model = Model()
    bound = tf.autograph.convert_for_tracing(model.step)
    assert bound.__self__ is model
    partial = tf.autograph.convert_for_tracing(functools.partial(Model.step, model))
    assert isinstance(partial, functools.partial) and partial.args == (model,)
    compiled = tf.function(model.step)
    assert compiled(tf.constant(3.0)).numpy() == 2.0
    assert compiled(tf.constant(-3.0)).numpy() == -3.0


def test_set_verbosity_and_trace_accepted(capsys):
    tf.autograph.set_verbosity(3)
    tf.autograph.trace("traced", 1)
    assert capsys.readouterr().out == "traced 1\n"
