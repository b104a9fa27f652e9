"""tf.compat: the byte/str helpers and the tf.compat.v1 names TF 2 programs still use."""

import pytest

import eagerflow as tf


def test_bytes_and_text():
    assert tf.compat.as_bytes("é") == "é".encode()
    assert tf.compat.as_text(b"abc") == "abc" and tf.compat.as_str(b"x") == "x"
    assert tf.compat.as_str_any(3) == "3"
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        tf.compat.as_bytes(3)


def test_dimensions():
    shape = tf.TensorShape([None, 3])
    assert tf.compat.dimension_value(shape[1]) == 3
    assert tf.compat.dimension_at_index(shape, 0) is None
    assert tf.compat.v2 is tf


def test_v1_logging_and_summary_iterator(tmp_path):
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    assert tf.compat.v1.logging.get_verbosity() == tf.compat.v1.logging.ERROR
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.WARN)
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        tf.summary.scalar("loss", 0.5, step=3)
    writer.close()
    path = next(tmp_path.glob("events.out.tfevents.*"))
    events = list(tf.compat.v1.train.summary_iterator(str(path)))
    assert any(event.step == 3 for event in events)


def test_graph_mode_is_refused_with_advice():
    with pytest.raises(RuntimeError, match="TF 1 graph mode"):
        tf.compat.v1.disable_eager_execution()
    tf.compat.v1.enable_eager_execution()
    assert tf.compat.v1.executing_eagerly()
