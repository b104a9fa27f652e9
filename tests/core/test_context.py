"""The execution context: the fast-path flag, per-thread builders and tapes."""

import threading

import eagerflow as tf
from eagerflow.core.context import state


def test_plain_only_without_tape_or_trace():
    assert state.plain
    with tf.GradientTape():
        assert not state.plain
    assert state.plain

    @tf.function
    def f(x):
        assert not state.plain and state.builder is not None
        return x

    f(tf.constant(1.0))
    assert state.plain and state.builder is None


def test_other_threads_run_eagerly_while_one_records():
    results = []
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x

        def worker():
            results.append((tf.executing_eagerly(), float(tf.constant(3.0) * 2.0),
                            state.tapes))

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert results == [(True, 6.0, ())]
    assert float(tape.gradient(y, x)) == 4.0
