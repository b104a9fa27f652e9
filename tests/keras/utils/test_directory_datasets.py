"""image/text_dataset_from_directory on small temporary folders: labels follow the files,
splits are disjoint and seeded, label modes, colour modes, and the argument errors."""

import pathlib
import wave

import numpy as np
import pytest
from PIL import Image

from eagerflow.keras.utils import (
    audio_dataset_from_directory,
    image_dataset_from_directory,
    text_dataset_from_directory,
)
from eagerflow.keras.utils.directory_datasets import read_wav

CLASSES = {"cats": 10, "dogs": 200, "fish": 100}  # red channel value per class


@pytest.fixture
def image_dir(tmp_path):
    for name, red in CLASSES.items():
        (tmp_path / name).mkdir()
        for i in range(5):  # sizes differ: every image is resized
            Image.new("RGB", (6 + i, 4 + i), (red, 20 * i, 0)).save(tmp_path / name / f"{i}.png")
    (tmp_path / "cats" / "notes.md").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def _collect(dataset):
    xs, ys = [], []
    for x, y in dataset:
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.concatenate(xs), np.concatenate(ys)


def test_images_and_inferred_labels(image_dir, capsys):
    dataset = image_dataset_from_directory(image_dir, image_size=(4, 6), batch_size=4, seed=1,
                                           interpolation="nearest")
    assert "Found 15 files belonging to 3 classes." in capsys.readouterr().out
    assert dataset.class_names == ["cats", "dogs", "fish"]
    assert len(dataset.file_paths) == 15
    assert int(dataset.cardinality()) == 4
    x, y = _collect(dataset)
    assert x.shape == (15, 4, 6, 3) and x.dtype == np.float32
    assert y.dtype == np.int32 and sorted(y.tolist()) == [0] * 5 + [1] * 5 + [2] * 5
    reds = [CLASSES[name] for name in dataset.class_names]
    np.testing.assert_array_equal(x[:, 0, 0, 0], np.array(reds)[y])  # labels follow content


def test_unshuffled_order_and_label_modes(image_dir):
    plain = image_dataset_from_directory(image_dir, image_size=(3, 3), shuffle=False,
                                         batch_size=None, label_mode="categorical")
    names = [pathlib.Path(p).relative_to(image_dir).as_posix() for p in plain.file_paths]
    assert names[:6] == [
        "cats/0.png", "cats/1.png", "cats/2.png", "cats/3.png", "cats/4.png", "dogs/0.png"]
    x, y = next(iter(plain))
    assert x.shape == (3, 3, 3)
    np.testing.assert_array_equal(y, [1.0, 0.0, 0.0])
    two = image_dir / "two"
    for name in ("no", "yes"):
        (two / name).mkdir(parents=True)
        Image.new("L", (5, 5), 7).save(two / name / "a.png")
    binary = image_dataset_from_directory(two, label_mode="binary", image_size=(2, 2),
                                          shuffle=False, color_mode="grayscale")
    x, y = _collect(binary)
    assert x.shape == (2, 2, 2, 1) and y.shape == (2, 1) and y.dtype == np.float32
    assert y.ravel().tolist() == [0.0, 1.0]
    rgba = image_dataset_from_directory(two, image_size=(2, 2), color_mode="rgba")
    assert _collect(rgba)[0].shape[-1] == 4


def test_validation_split_is_disjoint_and_seeded(image_dir, capsys):
    kwargs = dict(image_size=(2, 2), validation_split=0.2, seed=5)
    train = image_dataset_from_directory(image_dir, subset="training", **kwargs)
    val = image_dataset_from_directory(image_dir, subset="validation", **kwargs)
    out = capsys.readouterr().out
    assert "Using 12 files for training." in out and "Using 3 files for validation." in out
    assert len(train.file_paths) == 12 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    both_train, both_val = image_dataset_from_directory(image_dir, subset="both", **kwargs)
    assert both_train.file_paths == train.file_paths and both_val.file_paths == val.file_paths
    other = image_dataset_from_directory(image_dir, subset="training", image_size=(2, 2),
                                         validation_split=0.2, seed=6)
    assert other.file_paths != train.file_paths


def test_explicit_and_no_labels(image_dir):
    folder = image_dir / "dogs"
    images_only = image_dataset_from_directory(folder, labels=None, image_size=(2, 2),
                                               shuffle=False, batch_size=10)
    (batch,) = list(images_only)
    assert batch.shape == (5, 2, 2, 3)
    labelled = image_dataset_from_directory(folder, labels=[0, 1, 1, 0, 1], shuffle=False,
                                            image_size=(2, 2), batch_size=10)
    _, y = _collect(labelled)
    assert y.tolist() == [0, 1, 1, 0, 1] and labelled.class_names == [0, 1]


@pytest.mark.parametrize("kwargs, match", [
    (dict(label_mode="binary"), "exactly 2 class_names"),
    (dict(class_names=["cats", "dogs"]), "did not match the names of the subdirectories"),
    (dict(validation_split=0.2, subset="training"), "you must provide a `seed`"),
    (dict(validation_split=0.2), "`validation_split` must be set, and inversely"),
    (dict(validation_split=1.5, subset="training", seed=1), "between 0 and 1"),
    (dict(subset="all", validation_split=0.2, seed=1), '`subset` must be either "training"'),
    (dict(color_mode="cmyk"), "`color_mode` must be one of"),
    (dict(label_mode="sparse"), "`label_mode` argument must be one of"),
    (dict(labels="folders"), "`labels` argument should be a list/tuple"),
    (dict(labels=None, class_names=["a"]), "only pass `class_names` if `labels='inferred'`"),
    (dict(labels=[0, 1]), "Expected the lengths of `labels` to match"),
    (dict(interpolation="cubic"), "Value not recognized for `interpolation`"),
])
def test_argument_errors(image_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        image_dataset_from_directory(image_dir, **kwargs)


def test_empty_or_missing_directory(tmp_path):
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="No images found in directory"):
        image_dataset_from_directory(tmp_path)
    with pytest.raises(ValueError, match="Could not find directory"):
        image_dataset_from_directory(tmp_path / "missing")


def test_text_dataset(tmp_path):
    for name, texts in {"neg": ["bad movie", "awful"], "pos": ["great film!", "loved it"]}.items():
        (tmp_path / name).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / name / f"{i}.txt").write_text(text)
    dataset = text_dataset_from_directory(tmp_path, batch_size=8, shuffle=False)
    (x, y), = list(dataset)
    assert x.numpy().tolist() == [b"bad movie", b"awful", b"great film!", b"loved it"]
    assert y.numpy().tolist() == [0, 0, 1, 1]
    assert dataset.class_names == ["neg", "pos"]
    short = text_dataset_from_directory(tmp_path, batch_size=None, max_length=4, seed=2)
    texts = sorted(t.numpy() for t, _ in short)
    assert texts == [b"awfu", b"bad ", b"grea", b"love"]


def _write_wav(path, samples, width=2):
    samples = np.asarray(samples)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        handle.setsampwidth(width)
        handle.setframerate(8000)
        handle.writeframes(samples.astype({1: "u1", 2: "<i2", 4: "<i4"}[width]).tobytes())


def test_read_wav_matches_tf_decode_wav_values(tmp_path):
    # tf.audio.decode_wav gives int16 / 32768 (values recorded from TensorFlow 2.21).
    path = str(tmp_path / "x.wav")
    _write_wav(path, np.array([0, 16384, -32768, 32767, 1]))
    np.testing.assert_array_equal(read_wav(path).ravel(),
                                  [0.0, 0.5, -1.0, 0.999969482421875, 3.0517578125e-05])
    np.testing.assert_array_equal(read_wav(path, 7).ravel()[5:], [0.0, 0.0])
    assert read_wav(path, 2).shape == (2, 1)
    _write_wav(path, np.array([[100, -100], [5, 6]]))
    np.testing.assert_array_equal(read_wav(path), np.array([[100, -100], [5, 6]]) / 32768)
    _write_wav(path, np.array([0, 128, 255]), width=1)
    np.testing.assert_array_equal(read_wav(path).ravel(), [-1.0, 0.0, 127 / 128])


def test_audio_dataset_pads_batches_or_fixes_length(tmp_path):
    lengths = {"no": [3, 5], "yes": [4]}
    for name, sizes in lengths.items():
        (tmp_path / name).mkdir()
        for i, size in enumerate(sizes):
            _write_wav(tmp_path / name / f"{i}.wav", np.full(size, 1000 * (i + 1)))
    padded = audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False)
    (x, y), = list(padded)
    assert x.shape == (3, 5, 1) and y.numpy().tolist() == [0, 0, 1]
    np.testing.assert_allclose(x[0, :, 0], [1000 / 32768] * 3 + [0, 0])
    fixed = audio_dataset_from_directory(tmp_path, batch_size=None, shuffle=False,
                                         output_sequence_length=4, label_mode="categorical")
    clips = [(c.numpy(), label.numpy()) for c, label in fixed]
    assert [c.shape for c, _ in clips] == [(4, 1)] * 3
    np.testing.assert_array_equal(clips[2][1], [0.0, 1.0])
    with pytest.raises(ValueError, match="ragged"):
        audio_dataset_from_directory(tmp_path, ragged=True)
    with pytest.raises(ValueError, match="sampling_rate"):
        audio_dataset_from_directory(tmp_path, sampling_rate=16000)
