"""Random augmentation (eagerflow/ops/image/augment.py): seeded as tf.random, stateless ops
deterministic in their seed, outputs the original or a transformed image and within range."""


import numpy as np

import eagerflow as tf
from tests.ops.image_reference import RGB, image, img


def test_random_flips_give_original_or_mirror():
    batch = img((16, 3, 4, 1))
    tf.random.set_seed(3)
    out = image.random_flip_left_right(batch).numpy()
    flipped = [np.array_equal(o, b[:, ::-1]) for o, b in zip(out, batch)]
    kept = [np.array_equal(o, b) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    tf.random.set_seed(3)
    np.testing.assert_array_equal(image.random_flip_left_right(batch).numpy(), out)
    single = image.random_flip_up_down(batch[0], seed=1).numpy()
    assert np.array_equal(single, batch[0]) or np.array_equal(single, batch[0][::-1])


def test_stateless_random_ops_are_deterministic():
    batch = img((8, 3, 4, 3))
    for op in (lambda s: image.stateless_random_flip_left_right(batch, s),
               lambda s: image.stateless_random_flip_up_down(batch, s),
               lambda s: image.stateless_random_brightness(batch, 0.3, s),
               lambda s: image.stateless_random_contrast(batch, 0.5, 1.5, s),
               lambda s: image.stateless_random_saturation(batch, 0.5, 1.5, s),
               lambda s: image.stateless_random_hue(batch, 0.2, s),
               lambda s: image.stateless_random_crop(batch, [2, 2, 3, 3], s)):
        np.testing.assert_array_equal(op((1, 2)).numpy(), op((1, 2)).numpy())
        np.testing.assert_array_equal(op((1, 2)).numpy(), tf.function(op)((1, 2)).numpy())


def test_random_color_ops_stay_in_range():
    tf.random.set_seed(7)
    x = tf.constant(RGB)
    delta = image.random_brightness(x, 0.2).numpy() - RGB
    assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2
    for op in (lambda: image.random_contrast(x, 0.2, 0.5), lambda: image.random_hue(x, 0.5),
               lambda: image.random_saturation(x, 0.1, 2.0)):
        assert op().shape == (2, 3, 3)
    crop = image.random_crop(x, [1, 2, 3]).numpy()
    assert any(np.array_equal(crop, RGB[i:i + 1, j:j + 2]) for i in range(2) for j in range(2))
