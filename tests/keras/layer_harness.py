"""The layer test harness: one `check_layer` call tests a layer completely.

It runs the layer eagerly, inside tf.function and symbolically (Input -> layer -> Model) and
checks that they agree (values, and output shape against the symbolic shape); compares with
a reference when given; rebuilds the layer from `get_config()` with the same weights and
checks it computes the same; and checks gradients with respect to float inputs and weights
against central finite differences (in float64).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import eagerflow as tf
from eagerflow.core import nest


def _numpy(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _float64_copy(layer_factory: Callable, inputs):
    """The same layer in float64 (for finite differences), or None if it will not build."""
    try:
        layer = layer_factory(dtype="float64")
    except TypeError:
        return None
    converted = nest.map_structure(
        lambda a: a.astype(np.float64) if a.dtype.kind == "f" else a, inputs)
    return layer, converted


def check_layer(layer_factory: Callable, inputs, expected=None, expected_output_shape=None,
                call_kwargs: dict | None = None, compare_compiled: bool = True,
                check_gradients: bool = True, check_config: bool = True,
                check_symbolic: bool = True, rtol: float = 1e-5, atol: float = 1e-6,
                grad_rtol: float = 1e-4, grad_atol: float = 1e-6, max_gradient_checks: int = 12):
    """Test `layer_factory(**kwargs)` (a callable making a fresh layer) on `inputs`.

    `inputs`: a NumPy array or a list of arrays (multi-input layers). `expected`: NumPy
    outputs, or a function `(layer, inputs) -> outputs` computed from the built layer's
    weights. Returns the eager outputs for further checks.
    """
    call_kwargs = dict(call_kwargs or {})
    layer = layer_factory()
    outputs = layer(inputs, **call_kwargs)
    flat_outputs = [_numpy(o) for o in nest.flatten(outputs)]
    if expected is not None:
        reference = expected(layer, inputs) if callable(expected) else expected
        for actual, wanted in zip(flat_outputs, nest.flatten(reference)):
            np.testing.assert_allclose(actual, np.asarray(wanted), rtol=rtol, atol=atol)
    if expected_output_shape is not None:
        shapes = [tuple(o.shape) for o in flat_outputs]
        wanted = expected_output_shape if isinstance(expected_output_shape, list) else \
            [expected_output_shape]
        assert shapes == [tuple(s) for s in wanted], f"output shapes {shapes} != {wanted}"

    if compare_compiled:
        compiled = tf.function(lambda x: layer(x, **call_kwargs))
        compiled_outputs = [_numpy(o) for o in nest.flatten(compiled(inputs))]
        for eager, traced in zip(flat_outputs, compiled_outputs):
            np.testing.assert_allclose(traced, eager, rtol=rtol, atol=atol,
                                       err_msg=f"{layer.name}: tf.function output differs")

    if check_symbolic:
        flat_inputs = nest.flatten(inputs)
        symbolic_inputs = [tf.keras.Input(shape=a.shape[1:], dtype=str(a.dtype))
                           for a in flat_inputs]
        structured = nest.pack_sequence_as(inputs, symbolic_inputs)
        symbolic_outputs = layer(structured, **call_kwargs)
        for symbolic, actual in zip(nest.flatten(symbolic_outputs), flat_outputs):
            symbolic_shape = symbolic.shape.as_list()
            assert len(symbolic_shape) == actual.ndim, (symbolic_shape, actual.shape)
            for static, real in zip(symbolic_shape[1:], actual.shape[1:]):
                assert static is None or static == real, (symbolic_shape, actual.shape)
        model = tf.keras.Model(structured, symbolic_outputs)
        model_outputs = [_numpy(o) for o in nest.flatten(model(inputs, **call_kwargs))]
        for eager, through_model in zip(flat_outputs, model_outputs):
            np.testing.assert_allclose(through_model, eager, rtol=rtol, atol=atol)

    if check_config:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        clone(inputs, **call_kwargs)
        clone.set_weights(layer.get_weights())
        clone_outputs = [_numpy(o) for o in nest.flatten(clone(inputs, **call_kwargs))]
        for eager, cloned in zip(flat_outputs, clone_outputs):
            np.testing.assert_allclose(cloned, eager, rtol=rtol, atol=atol,
                                       err_msg=f"{layer.name}: from_config(get_config()) "
                                               "computes something else")
        assert clone.get_config() == {**config, "name": clone.name}, "config round trip"

    if check_gradients:
        _check_gradients(layer_factory, layer, inputs, call_kwargs, grad_rtol, grad_atol,
                         max_gradient_checks)
    return outputs


def _check_gradients(layer_factory, layer, inputs, call_kwargs, rtol, atol, max_checks):
    made = _float64_copy(layer_factory, inputs)
    if made is None:
        return
    layer64, inputs64 = made
    layer64(inputs64, **call_kwargs)
    layer64.set_weights([w.astype(np.float64) if w.dtype.kind == "f" else w
                         for w in layer.get_weights()])
    flat_inputs = nest.flatten(inputs64)
    float_inputs = [i for i, a in enumerate(flat_inputs) if a.dtype == np.float64]
    weights = [w for w in layer64.trainable_weights if w.dtype == tf.float64]
    rng = np.random.default_rng(0)
    first = layer64(inputs64, **call_kwargs)
    cotangents = [rng.standard_normal(_numpy(o).shape) for o in nest.flatten(first)]

    def objective(input_arrays):
        structured = nest.pack_sequence_as(inputs64, input_arrays)
        outputs = nest.flatten(layer64(structured, **call_kwargs))
        return sum(float(np.sum(_numpy(o) * c)) for o, c in zip(outputs, cotangents))

    tensors = [tf.constant(a) for a in flat_inputs]
    with tf.GradientTape() as tape:
        for index in float_inputs:
            tape.watch(tensors[index])
        outputs = nest.flatten(layer64(nest.pack_sequence_as(inputs64, tensors), **call_kwargs))
        total = tf.add_n([tf.reduce_sum(o * tf.constant(c)) for o, c in zip(outputs, cotangents)])
    sources = [tensors[i] for i in float_inputs] + weights
    gradients = tape.gradient(total, sources)
    eps = 1e-6
    for source, gradient in zip(sources, gradients):
        value = _numpy(source).copy()
        gradient = np.zeros_like(value) if gradient is None else _numpy(gradient)
        positions = rng.choice(value.size, size=min(max_checks, value.size), replace=False)
        for position in positions:
            index = np.unravel_index(position, value.shape)
            numeric = []
            for sign in (1, -1):
                shifted = value.copy()
                shifted[index] += sign * eps
                if isinstance(source, tf.Variable):
                    source.assign(shifted)
                    numeric.append(objective(flat_inputs))
                else:
                    arrays = list(flat_inputs)
                    arrays[[i for i in float_inputs
                            if tensors[i] is source][0]] = shifted
                    numeric.append(objective(arrays))
            if isinstance(source, tf.Variable):
                source.assign(value)
            estimate = (numeric[0] - numeric[1]) / (2 * eps)
            np.testing.assert_allclose(gradient[index], estimate, rtol=rtol, atol=atol,
                                       err_msg=f"{layer.name}: gradient of "
                                               f"{getattr(source, 'name', 'input')} at {index}")
