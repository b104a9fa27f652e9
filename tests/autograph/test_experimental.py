"""tf.autograph.experimental: do_not_convert, set_loop_options, Feature."""

import eagerflow as tf
from eagerflow.autograph import experimental


def test_set_loop_options_is_a_no_op_in_python():
    assert experimental.set_loop_options(maximum_iterations=3, shape_invariants=[]) is None


def test_do_not_convert_marks_and_keeps_behaviour():
    def f(x, y=1):
        return x + y
    wrapped = experimental.do_not_convert(f)
    assert wrapped(1, y=2) == 3 and wrapped.__name__ == "f"
    assert wrapped.__ag_do_not_convert__ is True
    assert experimental.do_not_convert()(f)(1) == 2  # usable with parentheses too


def test_public_namespace():
    assert tf.autograph.experimental.do_not_convert is experimental.do_not_convert
    assert tf.autograph.experimental.set_loop_options is experimental.set_loop_options
    assert tf.autograph.experimental.Feature.ALL.value == "ALL"
