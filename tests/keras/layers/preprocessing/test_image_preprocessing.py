"""Tests of Resizing and CenterCrop: values recorded from tf_keras 2.21 (tf.image.resize
semantics), NumPy references, unknown image sizes inside tf.function, and the harness."""

import numpy as np
import pytest

import eagerflow as tf
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers
IMAGES = np.arange(2 * 5 * 7 * 1, dtype="float32").reshape(2, 5, 7, 1)


def test_resizing_bilinear_and_nearest_match_tf_keras():
    bilinear = layers.Resizing(3, 4)(IMAGES).numpy()
    np.testing.assert_allclose(bilinear[0, :, :, 0], [
        [2.708333, 4.458333, 6.208333, 7.958333], [14.375, 16.125, 17.875, 19.625],
        [26.041666, 27.791666, 29.541666, 31.291666]], atol=1e-5)
    nearest = layers.Resizing(8, 9, interpolation="nearest")(IMAGES).numpy()
    rows, columns = [0, 0, 1, 2, 2, 3, 4, 4], [0, 1, 1, 2, 3, 4, 5, 5, 6]
    np.testing.assert_array_equal(nearest[1, :, :, 0], IMAGES[1, rows][:, columns, 0])
    cropped = layers.Resizing(3, 3, crop_to_aspect_ratio=True)(IMAGES).numpy()
    np.testing.assert_allclose(cropped[0, :, :, 0], [
        [3.666667, 5.333333, 7.0], [15.333333, 17.0, 18.666666], [27.0, 28.666666, 30.333332]],
        atol=1e-5)


def test_resizing_harness_single_image_and_unknown_sizes():
    check_layer(lambda **kw: layers.Resizing(3, 4, **kw), IMAGES,
                expected=layers.Resizing(3, 4)(IMAGES).numpy(), expected_output_shape=(2, 3, 4, 1))
    single = layers.Resizing(3, 4)(IMAGES[0]).numpy()
    np.testing.assert_allclose(single, layers.Resizing(3, 4)(IMAGES).numpy()[0])
    layer = layers.Resizing(3, 4)
    dynamic = tf.function(lambda x: layer(x),
                          input_signature=[tf.TensorSpec([None, None, None, 1])])
    np.testing.assert_allclose(dynamic(IMAGES).numpy(), layer(IMAGES).numpy(), atol=1e-6)
    symbolic = layer(tf.keras.Input((None, None, 3)))
    assert symbolic.shape.as_list() == [None, 3, 4, 3]
    uint8 = layers.Resizing(5, 7)(IMAGES.astype("uint8"))
    assert uint8.dtype == tf.float32
    np.testing.assert_allclose(uint8.numpy(), IMAGES)  # same size: unchanged
    assert layer.get_config()["interpolation"] == "bilinear"


def test_center_crop_matches_tf_keras():
    crop = layers.CenterCrop(3, 4)(IMAGES).numpy()
    np.testing.assert_array_equal(crop, IMAGES[:, 1:4, 1:5])
    # Taller than the image: tf_keras resizes (aspect-preserving crop, then bilinear).
    upsized = layers.CenterCrop(6, 4)(IMAGES).numpy()
    np.testing.assert_allclose(upsized[0, :3, :, 0], [
        [2.0, 2.625, 3.375, 4.0], [7.25, 7.875, 8.625, 9.25],
        [13.083333, 13.708333, 14.458333, 15.083333]], atol=1e-5)
    check_layer(lambda **kw: layers.CenterCrop(3, 4, **kw), IMAGES,
                expected=IMAGES[:, 1:4, 1:5])
    layer = layers.CenterCrop(6, 4)
    compiled = tf.function(lambda x: layer(x))
    np.testing.assert_allclose(compiled(IMAGES).numpy(), upsized, atol=1e-6)


def test_image_layer_errors():
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic-ish")
    with pytest.raises(ValueError, match="expects images"):
        layers.Resizing(2, 2)(np.ones((3, 3), "float32"))


def test_other_interpolations_match_tf_keras():
    bicubic = layers.Resizing(3, 4, interpolation="bicubic")(IMAGES).numpy()
    np.testing.assert_allclose(bicubic[0, 0, :, 0], [1.9687, 3.81253, 5.56253, 7.40637],
                               atol=1e-4)
    cropped = layers.Resizing(3, 3, interpolation="bicubic", crop_to_aspect_ratio=True)
    np.testing.assert_allclose(cropped(IMAGES).numpy()[1, 0, :, 0],
                               [37.928612, 39.687538, 41.446461], atol=1e-4)
    area = layers.Resizing(3, 4, interpolation="area")(IMAGES).numpy()
    np.testing.assert_allclose(area[0, 1, :, 0], [14.42857, 16.14286, 17.85714, 19.57143],
                               atol=1e-4)
    gaussian = layers.Resizing(3, 3, interpolation="gaussian", crop_to_aspect_ratio=True)
    np.testing.assert_allclose(gaussian(IMAGES).numpy()[1, 2, :, 0],
                               [61.964539, 63.625301, 65.286049], atol=1e-4)
    assert layers.Resizing.from_config(cropped.get_config()).interpolation == "bicubic"
