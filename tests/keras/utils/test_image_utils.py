"""Image helpers: array <-> PIL conversions (values, channel layouts) and files via Pillow."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image

import eagerflow as tf
from eagerflow.keras.utils import array_to_img, img_to_array, load_img, save_img


def test_array_to_img_scales_to_full_range():
    x = np.array([[[0.0, 0.5, 1.0], [0.25, 0.75, 0.0]]])  # (1, 2, 3)
    image = array_to_img(x)
    assert image.mode == "RGB" and image.size == (2, 1)
    np.testing.assert_array_equal(np.asarray(image), (x * 255).astype("uint8"))
    raw = array_to_img(np.full((2, 2, 1), 7.0), scale=False)
    assert raw.mode == "L" and np.asarray(raw).tolist() == [[7, 7], [7, 7]]
    assert array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    first = array_to_img(np.arange(12.0).reshape(3, 2, 2), data_format="channels_first")
    assert first.mode == "RGB" and first.size == (2, 2)


def test_img_to_array_layouts_and_round_trip():
    pixels = np.random.randint(0, 256, size=(4, 5, 3)).astype("uint8")
    image = Image.fromarray(pixels)
    out = img_to_array(image)
    assert out.dtype == np.float32 and out.shape == (4, 5, 3)
    np.testing.assert_array_equal(out, pixels)
    assert img_to_array(image, data_format="channels_first").shape == (3, 4, 5)
    gray = Image.fromarray(pixels[:, :, 0])
    assert img_to_array(gray).shape == (4, 5, 1)
    assert img_to_array(gray, data_format="channels_first", dtype="uint8").shape == (1, 4, 5)
    np.testing.assert_array_equal(img_to_array(array_to_img(pixels, scale=False)), pixels)
    np.testing.assert_array_equal(img_to_array(array_to_img(tf.constant(out), scale=False)),
                                  pixels)


def test_save_and_load(tmp_path):
    pixels = np.random.randint(0, 256, size=(6, 8, 3)).astype("float32")
    path = tmp_path / "img.png"
    save_img(path, pixels, scale=False)
    loaded = load_img(path)
    assert loaded.mode == "RGB" and loaded.size == (8, 6)
    np.testing.assert_array_equal(img_to_array(loaded), pixels)
    gray = load_img(path, color_mode="grayscale")
    assert gray.mode == "L"
    assert load_img(path, color_mode="rgba").mode == "RGBA"
    small = load_img(path, target_size=(3, 4), interpolation="bilinear")
    assert small.size == (4, 3)
    square = load_img(path, target_size=(2, 2), keep_aspect_ratio=True)
    assert square.size == (2, 2)
    with open(path, "rb") as handle:
        assert load_img(io.BytesIO(handle.read())).size == (8, 6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save_img(tmp_path / "img.jpg", np.zeros((2, 2, 4)))
    assert any("RGBA" in str(w.message) for w in caught)
    assert Image.open(tmp_path / "img.jpg").format == "JPEG"


@pytest.mark.parametrize("call, match", [
    (lambda: array_to_img(np.zeros((2, 2))), "rank 3"),
    (lambda: array_to_img(np.zeros((2, 2, 2))), "Unsupported channel number: 2"),
    (lambda: array_to_img(np.zeros((2, 2, 3)), data_format="nhwc"), "Invalid data_format"),
    (lambda: img_to_array(np.zeros((1, 2, 2, 3))), "Unsupported image shape"),
    (lambda: load_img("x.png", color_mode="cmyk"), "color_mode"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_interpolation(tmp_path):
    save_img(tmp_path / "a.png", np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="Invalid interpolation method 'cubic'"):
        load_img(tmp_path / "a.png", target_size=(2, 2), interpolation="cubic")
