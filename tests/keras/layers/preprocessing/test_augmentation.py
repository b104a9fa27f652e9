"""Tests of the random augmentation layers: identity outside training, fresh randomness in
each compiled call, the projective warp against TensorFlow's ImageProjectiveTransformV3
(recorded for every fill mode and interpolation), and closed-form checks of each layer."""

import json
import math
import pathlib

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras.layers.preprocessing.augmentation import transform_images

layers = tf.keras.layers
RNG = np.random.default_rng(0)
IMAGES = (RNG.random((3, 8, 9, 2)) * 255).astype("float32")
REFERENCE = pathlib.Path(__file__).parent / "data" / "projective_transform_reference.json"


def test_transform_matches_tensorflow_for_every_fill_mode_and_interpolation():
    reference = json.loads(REFERENCE.read_text())
    image = np.array(reference["img"], "float32")
    assert len(reference["res"]) == 32
    for key, expected in reference["res"].items():
        index, fill_mode, interpolation = key.split("_")
        out = transform_images(image, np.array([reference["T"][int(index)]], "float32"),
                               fill_mode.lower(), interpolation.lower(), 5.0)
        np.testing.assert_allclose(out, np.array(expected), atol=2e-3, err_msg=key)


ALL_LAYERS = [
    lambda: layers.RandomFlip(),
    lambda: layers.RandomRotation(0.2),
    lambda: layers.RandomZoom(0.3),
    lambda: layers.RandomTranslation(0.2, 0.3),
    lambda: layers.RandomContrast(0.5),
    lambda: layers.RandomBrightness(0.2),
]


@pytest.mark.parametrize("factory", ALL_LAYERS)
def test_identity_in_inference_random_in_training(factory):
    layer = factory()
    np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES)
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    compiled = tf.function(lambda x: layer(x, training=True))
    first, second = compiled(IMAGES).numpy(), compiled(IMAGES).numpy()
    assert first.shape == IMAGES.shape
    assert not np.array_equal(first, second), "each compiled call must draw new parameters"
    assert layer(IMAGES[0], training=True).shape == IMAGES.shape[1:]
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == {**layer.get_config(), "name": clone.name}


def test_random_flip_flips_whole_images():
    layer = layers.RandomFlip("horizontal")
    out = layer(IMAGES, training=True).numpy()
    for image, result in zip(IMAGES, out):
        assert np.array_equal(result, image) or np.array_equal(result, image[:, ::-1])
    vertical = layers.RandomFlip("vertical")(np.tile(IMAGES[:1], (16, 1, 1, 1)),
                                             training=True).numpy()
    flipped = [np.array_equal(v, IMAGES[0, ::-1]) for v in vertical]
    assert all(f or np.array_equal(v, IMAGES[0]) for f, v in zip(flipped, vertical))
    assert 0 < sum(flipped) < 16
    with pytest.raises(ValueError, match="unknown mode"):
        layers.RandomFlip("diagonal")


def test_rotation_by_half_turn_reverses_the_image():
    layer = layers.RandomRotation((0.5, 0.5), interpolation="nearest")
    out = layer(IMAGES, training=True).numpy()
    np.testing.assert_allclose(out, IMAGES[:, ::-1, ::-1], atol=1e-3)


def test_translation_by_whole_pixels_shifts_with_constant_fill():
    layer = layers.RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant",
                                     fill_value=-1.0)
    out = layer(IMAGES, training=True).numpy()  # 0.25 * 8 rows = 2 rows down
    np.testing.assert_allclose(out[:, 2:], IMAGES[:, :-2], atol=1e-3)
    np.testing.assert_array_equal(out[:, :2], -1.0)


def test_zoom_transform_is_centred_scaling():
    layer = layers.RandomZoom((-0.5, -0.5), interpolation="nearest")
    transforms = layer._transforms(tf.constant(1), tf.constant(8.0), tf.constant(9.0)).numpy()
    np.testing.assert_allclose(transforms[0], [0.5, 0, 2.0, 0, 0.5, 1.75, 0, 0])
    assert layer(IMAGES, training=True).shape == IMAGES.shape
    with pytest.raises(ValueError, match=">= -1"):
        layers.RandomZoom((-1.5, 0.2))


def test_contrast_and_brightness_closed_form():
    with pytest.raises(ValueError, match="negative"):
        layers.RandomContrast(-0.1)
    contrast = layers.RandomContrast((0.5, 0.0))
    out = contrast(IMAGES, training=True).numpy()
    mean = IMAGES.mean(axis=(1, 2), keepdims=True)
    factor = (out - mean) / (IMAGES - mean)
    assert np.all((factor > 0.5 - 1e-3) & (factor < 1.0 + 1e-3))
    brightness = layers.RandomBrightness((0.1, 0.1), value_range=(0, 255))
    np.testing.assert_allclose(brightness(IMAGES, training=True).numpy(),
                               np.clip(IMAGES + 25.5, 0, 255), rtol=1e-6)


def test_random_crop_windows_and_inference_smart_resize():
    layer = layers.RandomCrop(5, 6)
    # Inference: the largest centred window of the target's aspect ratio, resized to it
    # (tf.keras's documented behaviour), i.e. Resizing with crop_to_aspect_ratio.
    np.testing.assert_allclose(
        layer(IMAGES).numpy(),
        layers.Resizing(5, 6, crop_to_aspect_ratio=True)(IMAGES).numpy(), rtol=1e-5, atol=1e-4)
    out = layer(IMAGES, training=True).numpy()
    windows = [IMAGES[:, r:r + 5, c:c + 6] for r in range(4) for c in range(4)]
    assert any(np.array_equal(out, w) for w in windows)


def test_augmentation_in_a_model_and_in_tf_data():
    model = tf.keras.Sequential([tf.keras.Input((8, 9, 2)), layers.RandomFlip(),
                                 layers.RandomRotation(0.1), layers.Rescaling(1 / 255.0),
                                 layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(IMAGES, np.zeros(3), epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0),
                               model(IMAGES, training=False).numpy(), rtol=1e-5)
    rotate = layers.RandomRotation(math.pi)
    dataset = tf.data.Dataset.from_tensor_slices(IMAGES).batch(2).map(
        lambda x: rotate(x, training=True))
    assert [tuple(b.shape) for b in dataset] == [(2, 8, 9, 2), (1, 8, 9, 2)]
