"""For every layer family: the functional API's symbolic output shape (Input -> layer) equals
`compute_output_shape` and the shape of a real output, including unknown (None) dims."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers import (
    activation_layers,
    convolutional,
    merging,
    normalization,
    pooling,
    regularization,
    reshaping,
)

CASES = [
    (lambda: convolutional.Conv1D(2, 3, padding="causal"), [(5, 3)]),
    (lambda: convolutional.Conv1D(2, 3, strides=2), [(None, 3)]),
    (lambda: convolutional.Conv2D(2, 3, strides=2, padding="same"), [(7, 6, 3)]),
    (lambda: convolutional.Conv2D(2, 3, data_format="channels_first"), [(3, 6, 5)]),
    (lambda: convolutional.Conv3D(2, 2), [(3, 4, 3, 1)]),
    (lambda: convolutional.Conv2DTranspose(2, 3, strides=2), [(3, 4, 2)]),
    (lambda: convolutional.Conv2DTranspose(2, 3, strides=2, padding="same",
                                           output_padding=1), [(3, 4, 2)]),
    (lambda: convolutional.DepthwiseConv2D(3, depth_multiplier=2), [(5, 5, 3)]),
    (lambda: convolutional.SeparableConv2D(4, 3, padding="same"), [(5, 5, 3)]),
    (lambda: pooling.MaxPooling2D(3, 2, padding="same"), [(7, 5, 2)]),
    (lambda: pooling.AveragePooling1D(), [(None, 2)]),
    (lambda: pooling.GlobalMaxPooling3D(keepdims=True), [(2, 2, 2, 3)]),
    (lambda: pooling.GlobalAveragePooling1D(), [(None, 3)]),
    (lambda: normalization.BatchNormalization(axis=1), [(3, 4)]),
    (lambda: normalization.LayerNormalization(), [(None, 4)]),
    (lambda: normalization.GroupNormalization(groups=2), [(None, 4)]),
    (lambda: reshaping.Flatten(), [(3, 4)]),
    (lambda: reshaping.Flatten(), [(None, 4)]),
    (lambda: reshaping.Reshape((-1, 2)), [(3, 4)]),
    (lambda: reshaping.Reshape((-1, 2)), [(None, 4)]),
    (lambda: reshaping.Permute((2, 1)), [(3, 4)]),
    (lambda: reshaping.RepeatVector(3), [(4,)]),
    (lambda: reshaping.UpSampling2D((2, 3)), [(3, 4, 2)]),
    (lambda: reshaping.UpSampling1D(2), [(None, 2)]),
    (lambda: reshaping.ZeroPadding2D(((1, 2), (0, 1))), [(3, 4, 2)]),
    (lambda: reshaping.Cropping2D(((1, 0), (0, 1))), [(3, 4, 2)]),
    (lambda: merging.Add(), [(3, 4), (3, 4)]),
    (lambda: merging.Multiply(), [(4,), (3, 4)]),
    (lambda: merging.Concatenate(axis=1), [(3, 4), (2, 4)]),
    (lambda: merging.Dot(axes=(2, 2)), [(3, 4), (5, 4)]),
    (lambda: merging.Dot(axes=1), [(4,), (4,)]),
    (lambda: regularization.Dropout(0.5), [(3, 4)]),
    (lambda: regularization.SpatialDropout2D(0.5), [(3, 3, 4)]),
    (lambda: activation_layers.PReLU(shared_axes=[1]), [(None, 4)]),
    (lambda: activation_layers.Softmax(), [(3, 4)]),
]


@pytest.mark.parametrize("factory,shapes", CASES)
def test_symbolic_shape_matches_compute_output_shape(factory, shapes):
    layer = factory()
    symbolic = [tf.keras.Input(shape=s) for s in shapes]
    out = layer(symbolic if len(symbolic) > 1 else symbolic[0])
    batch_shapes = [(None,) + s for s in shapes]
    computed = layer.compute_output_shape(batch_shapes if len(shapes) > 1 else batch_shapes[0])
    assert out.shape.as_list() == computed.as_list()
    concrete = [tuple(3 if d is None else d for d in s) for s in shapes]
    arrays = [np.random.uniform(size=(2,) + s).astype(np.float32) for s in concrete]
    real = layer(arrays if len(arrays) > 1 else arrays[0])
    assert real.shape.rank == out.shape.rank
    for static, actual in zip(out.shape.as_list()[1:], real.shape.as_list()[1:]):
        assert static is None or static == actual
