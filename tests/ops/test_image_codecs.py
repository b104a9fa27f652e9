"""Image codecs (eagerflow/ops/image/codecs.py): PNG, JPEG, GIF, BMP and WebP against Pillow
and libpng's conversions, JPEG quality augmentation and cropped decoding, inside tf.function
and tf.data, and TF's decode errors."""

import io

import numpy as np
import pytest

import eagerflow as tf
from tests.ops.image_reference import image


def _pillow_bytes(array, fmt, **kwargs) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    if fmt == "GIF":
        frames = [Image.fromarray(a) for a in array]
        frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], **kwargs)
    else:
        Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


PIXELS = np.random.RandomState(5).randint(0, 256, (9, 11, 4)).astype(np.uint8)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(channels):
    data = PIXELS[..., :channels]
    encoded = image.encode_png(data)
    assert encoded.dtype == tf.string and encoded.shape == ()
    np.testing.assert_array_equal(image.decode_png(encoded).numpy(), data)
    np.testing.assert_array_equal(tf.image.decode_image(encoded).numpy(), data)


def test_png_channel_conversion_matches_libpng():
    encoded = image.encode_png(PIXELS[..., :3])
    gray = image.decode_png(encoded, channels=1).numpy()[..., 0].astype(np.int64)
    r, g, b = (PIXELS[..., i].astype(np.int64) for i in range(3))
    np.testing.assert_array_equal(gray, (9797 * r + 19234 * g + 3737 * b) >> 15)
    rgba = image.decode_png(encoded, channels=4).numpy()
    np.testing.assert_array_equal(rgba[..., :3], PIXELS[..., :3])
    assert np.all(rgba[..., 3] == 255)
    gray4 = image.decode_png(image.encode_png(PIXELS[..., :1]), channels=3).numpy()
    np.testing.assert_array_equal(gray4, np.repeat(PIXELS[..., :1], 3, -1))


def test_png_16_bit():
    data = np.random.RandomState(6).randint(0, 65536, (5, 6, 1)).astype(np.uint16)
    encoded = image.encode_png(data)
    np.testing.assert_array_equal(image.decode_png(encoded, dtype=tf.uint16).numpy(), data)
    np.testing.assert_array_equal(image.decode_png(encoded).numpy(), (data >> 8).astype(np.uint8))


def test_jpeg_round_trip_and_header():
    smooth = (np.add.outer(np.arange(20), np.arange(24))[..., None] * [5, 3, 1]).astype(np.uint8)
    encoded = image.encode_jpeg(smooth, quality=95)
    decoded = image.decode_jpeg(encoded).numpy()
    assert decoded.shape == (20, 24, 3) and np.abs(decoded.astype(int) - smooth).max() <= 8
    assert bool(image.is_jpeg(encoded)) and not bool(image.is_jpeg(image.encode_png(smooth)))
    assert image.extract_jpeg_shape(encoded).numpy().tolist() == [20, 24, 3]
    assert image.decode_jpeg(encoded, channels=1).shape == (20, 24, 1)
    floats = image.decode_image(encoded, dtype=tf.float32).numpy()
    np.testing.assert_allclose(floats, decoded / 255.0, atol=1e-6)


def test_gif_and_bmp():
    frames = (np.random.RandomState(7).randint(0, 4, (3, 6, 7, 3)) * 60).astype(np.uint8)
    gif = _pillow_bytes(frames, "GIF")
    np.testing.assert_array_equal(image.decode_gif(gif).numpy(), frames)
    np.testing.assert_array_equal(image.decode_image(gif).numpy(), frames)
    np.testing.assert_array_equal(image.decode_image(gif, expand_animations=False).numpy(),
                                  frames[0])
    for channels in (3, 4):
        bmp = _pillow_bytes(PIXELS[..., :channels], "BMP")
        np.testing.assert_array_equal(image.decode_bmp(bmp).numpy(), PIXELS[..., :channels])
        np.testing.assert_array_equal(image.decode_image(bmp).numpy(), PIXELS[..., :channels])


def test_codecs_inside_function_and_dataset():
    encoded = [image.encode_png(PIXELS[i:i + 3, :, :3]).numpy() for i in range(3)]

    @tf.function
    def decode_and_resize(contents):
        decoded = image.decode_png(contents, channels=3)
        assert decoded.shape.as_list() == [None, None, 3]
        return image.resize(decoded, [4, 4])

    want = image.resize(PIXELS[:3, :, :3], [4, 4]).numpy()
    np.testing.assert_allclose(decode_and_resize(tf.constant(encoded[0])).numpy(), want)
    dataset = tf.data.Dataset.from_tensor_slices(encoded).map(decode_and_resize)
    outs = list(dataset)
    assert len(outs) == 3
    np.testing.assert_allclose(outs[0].numpy(), want)


def test_decode_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        image.decode_png(b"not an image")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        image.decode_image(b"\x00\x01")
    with pytest.raises(tf.errors.InvalidArgumentError, match="frames"):
        frames = np.zeros((2, 3, 3, 3), np.uint8)
        frames[1] += 90
        image.decode_png(_pillow_bytes(frames, "GIF"))
    with pytest.raises(ValueError, match="channels"):
        image.decode_png(b"", channels=5)
    with pytest.raises(TypeError, match="uint8"):
        image.encode_jpeg(np.zeros((2, 2, 3), np.float32))


def test_jpeg_quality_and_cropped_decode():
    smooth = (np.add.outer(np.arange(16), np.arange(16))[..., None] * [6, 4, 2]).astype(np.uint8)
    low = image.adjust_jpeg_quality(smooth, 30)
    assert low.dtype == tf.uint8 and low.shape == (16, 16, 3)
    assert 0 < np.abs(low.numpy().astype(int) - smooth).max() < 40
    floats = image.adjust_jpeg_quality(smooth / np.float32(255), 90)
    assert floats.dtype == tf.float32 and np.abs(floats.numpy() - smooth / 255).max() < 0.05
    assert image.stateless_random_jpeg_quality(smooth, 50, 90, (1, 2)).shape == (16, 16, 3)
    encoded = image.encode_jpeg(smooth)
    np.testing.assert_array_equal(image.decode_and_crop_jpeg(encoded, [2, 3, 5, 7]).numpy(),
                                  image.decode_jpeg(encoded).numpy()[2:7, 3:10])
    with pytest.raises(ValueError, match="min_jpeg_quality"):
        image.random_jpeg_quality(smooth, 90, 50)


def test_webp_decodes_as_frames():
    data = _pillow_bytes(PIXELS[..., :3], "WEBP", lossless=True)
    frames = image.decode_webp(data)
    assert frames.shape == (1, 9, 11, 3)
    np.testing.assert_array_equal(frames.numpy()[0], PIXELS[..., :3])
    assert image.decode_image(data).shape == (1, 9, 11, 3)
    assert image.decode_image(data, expand_animations=False).shape == (9, 11, 3)
