"""tf.errors: classes, codes, TF's (node_def, op, message) constructor, subclassing."""

import pickle

import pytest

from eagerflow.core import errors

CLASSES = [
    ("CancelledError", 1), ("UnknownError", 2), ("InvalidArgumentError", 3),
    ("DeadlineExceededError", 4), ("NotFoundError", 5), ("AlreadyExistsError", 6),
    ("PermissionDeniedError", 7), ("ResourceExhaustedError", 8),
    ("FailedPreconditionError", 9), ("AbortedError", 10), ("OutOfRangeError", 11),
    ("UnimplementedError", 12), ("InternalError", 13), ("UnavailableError", 14),
    ("DataLossError", 15), ("UnauthenticatedError", 16),
]


@pytest.mark.parametrize("name, code", CLASSES, ids=[c[0] for c in CLASSES])
def test_error_class(name, code):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.OpError) and issubclass(cls, Exception)
    error = cls(None, None, "went wrong")
    assert error.error_code == code == cls.error_code
    assert error.message == "went wrong" and str(error) == "went wrong"
    assert error.node_def is None and error.op is None
    with pytest.raises(errors.OpError, match="went wrong"):
        raise error


def test_code_constants():
    assert errors.OK == 0 and errors.INVALID_ARGUMENT == 3 and errors.OUT_OF_RANGE == 11
    assert errors.UNAUTHENTICATED == 16


def test_constructor_keywords_and_base():
    error = errors.InvalidArgumentError(node_def="n", op="o", message="m")
    assert (error.node_def, error.op, error.message) == ("n", "o", "m")
    base = errors.OpError(None, None, "base", errors.INTERNAL)
    assert base.message == "base"


def test_catch_by_tf_class():
    import eagerflow as tf

    with pytest.raises(tf.errors.InvalidArgumentError):
        raise errors.InvalidArgumentError(None, None, "x")
    assert tf.errors.OutOfRangeError is errors.OutOfRangeError
    assert not issubclass(errors.NotFoundError, errors.InvalidArgumentError)


def test_pickle_keeps_message():
    error = pickle.loads(pickle.dumps(errors.NotFoundError(None, None, "missing file")))
    assert type(error) is errors.NotFoundError and error.message == "missing file"


def test_python_error_subclasses():
    assert issubclass(errors.OperatorNotAllowedInGraphError, TypeError)
    assert issubclass(errors.InaccessibleTensorError, ValueError)
