"""Datasets from folders of files, one subfolder per class: `image_dataset_from_directory`,
`text_dataset_from_directory` and `audio_dataset_from_directory` (tf_keras's indexing,
shuffling and splitting rules).

Files are listed once (sorted, so the order is reproducible), shuffled with the seed, split,
and read lazily: each element is loaded in the pipeline's `map` (Pillow for images, the
standard `wave` module for PCM WAV audio).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from eagerflow.keras.utils import io_utils

__all__ = ["audio_dataset_from_directory", "image_dataset_from_directory",
           "text_dataset_from_directory"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
AUDIO_FORMATS = (".wav",)
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


# -- indexing -----------------------------------------------------------------------------------

def _check_label_arguments(labels, label_mode, class_names) -> tuple[Any, Any]:
    if labels not in ("inferred", None) and not isinstance(labels, list | tuple):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the "
                         "same size as the number of files in the target directory. If you "
                         "wish to infer the labels from the subdirectory names in the target "
                         'directory, pass `labels="inferred"`. If you wish to get a dataset '
                         "that only contains the files (no labels), pass `labels=None`.")
    if class_names and labels != "inferred":
        raise ValueError(f"You can only pass `class_names` if `labels='inferred'`. Received: "
                         f"labels={labels}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _check_validation_split(validation_split, subset, shuffle: bool, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def _files_under(directory: str, formats: tuple, follow_links: bool) -> list[str]:
    """Files with an allowed extension anywhere below `directory`, in sorted walk order."""
    found = []
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        found += [os.path.join(root, name) for name in sorted(files)
                  if name.lower().endswith(formats)]
    return found


def index_directory(directory: str, labels, formats: tuple, class_names=None,
                    shuffle: bool = True, seed: int | None = None,
                    follow_links: bool = False) -> tuple[list[str], Any, list]:
    """(file paths, labels or None, class names) of a class-per-subfolder directory."""
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names:
            if set(class_names) != set(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs}, "
                                 f"but received: {class_names}")
        else:
            class_names = subdirs
        paths, label_list = [], []
        for index, name in enumerate(class_names):
            files = _files_under(os.path.join(directory, name), formats, follow_links)
            paths += files
            label_list += [index] * len(files)
        label_array = np.asarray(label_list, dtype=np.int32)
    else:
        paths = _files_under(directory, formats, follow_links)
        label_array = None
        class_names = []
        if labels is not None:
            if len(labels) != len(paths):
                raise ValueError(f"Expected the lengths of `labels` to match the number of "
                                 f"files in the target directory. len(labels) is {len(labels)} "
                                 f"while we found {len(paths)} files in directory {directory}.")
            label_array = np.asarray(labels)
            class_names = sorted(set(np.asarray(labels).tolist()))
    if label_array is None:
        io_utils.print_msg(f"Found {len(paths)} files.")
    else:
        io_utils.print_msg(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        if label_array is not None:
            label_array = label_array[order]
    return paths, label_array, list(class_names)


def _split(paths: list, labels, validation_split, subset: str | None):
    """The training (first) or validation (last) part of the shuffled files."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        io_utils.print_msg(f"Using {len(paths) - count} files for training.")
        keep = slice(0, len(paths) - count)
    else:
        io_utils.print_msg(f"Using {count} files for validation.")
        keep = slice(len(paths) - count, len(paths))
    return paths[keep], None if labels is None else labels[keep]


# -- datasets -----------------------------------------------------------------------------------

def _label_dataset(labels: np.ndarray, label_mode: str, num_classes: int):
    import eagerflow as tf

    if label_mode == "binary":
        values = labels.astype(np.float32).reshape(-1, 1)
    elif label_mode == "categorical":
        values = np.eye(max(num_classes, 1), dtype=np.float32)[labels.astype(np.int64)] \
            if len(labels) else np.zeros((0, num_classes), np.float32)
    else:
        values = labels.astype(np.int32)
    return tf.data.Dataset.from_tensor_slices(values)


def _finish(files_dataset, paths, labels, label_mode, class_names, batch_size, shuffle, seed,
            reshuffle: bool, padded: bool = False):
    import eagerflow as tf

    dataset = files_dataset
    if labels is not None:
        dataset = tf.data.Dataset.zip((dataset, _label_dataset(labels, label_mode,
                                                               len(class_names))))
    if batch_size is not None:
        if shuffle and reshuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        # variable-length elements (audio) are zero-padded to the longest of their batch
        dataset = dataset.padded_batch(batch_size) if padded else dataset.batch(batch_size)
    elif shuffle and reshuffle:
        dataset = dataset.shuffle(buffer_size=1024, seed=seed)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    dataset.class_names = class_names
    dataset.file_paths = list(paths)
    return dataset


def _from_directory(directory, labels, label_mode, class_names, formats, batch_size, shuffle,
                    seed, validation_split, subset, follow_links, kind: str, files_dataset,
                    padded: bool = False):
    labels, label_mode = _check_label_arguments(labels, label_mode, class_names)
    _check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(np.random.randint(1_000_000))
    paths, label_array, class_names = index_directory(
        os.fspath(directory), labels, formats, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    subsets = ["training", "validation"] if subset == "both" else [subset]
    datasets = []
    for part in subsets:
        part_paths, part_labels = _split(paths, label_array, validation_split, part)
        if not part_paths:
            which = f"{part} " if subset == "both" else ""
            raise ValueError(f"No {which}{kind} found in directory {directory}. Allowed "
                             f"formats: {formats}")
        datasets.append(_finish(files_dataset(part_paths), part_paths, part_labels, label_mode,
                                class_names, batch_size, shuffle, seed,
                                not (subset == "both" and part == "validation"), padded))
    return datasets if subset == "both" else datasets[0]


def image_dataset_from_directory(directory: str | os.PathLike, labels: Any = "inferred",
                                 label_mode: str | None = "int",
                                 class_names: Sequence[str] | None = None,
                                 color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size: tuple[int, int] = (256, 256), shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 **kwargs):
    """Generates a `tf.data.Dataset` from image files in a directory.

    With `main/class_a/*.jpg` and `main/class_b/*.jpg`, yields batches of float32 images of
    shape `(batch, height, width, channels)` (values 0-255) and their labels (0 for class_a,
    1 for class_b). Images are resized to `image_size` with Pillow's `interpolation`.

    Args:
        directory: Directory with one subdirectory per class (or the files, without labels).
        labels: "inferred" (from subdirectory names), None, or a list of integer labels for
            the files in sorted path order.
        label_mode: "int", "categorical" (one-hot), "binary" (float 0/1), or None.
        class_names: The subdirectory names in the order of their labels (with "inferred").
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: Batch size; None yields single images.
        image_size: `(height, width)` to resize to.
        shuffle: Shuffle the files (and the training batches each epoch).
        seed: Seed for shuffling and splitting.
        validation_split: Fraction of files kept for validation.
        subset: "training", "validation" or "both" (returns a pair) with `validation_split`.
        interpolation: "nearest", "bilinear", "bicubic", "hamming", "box" or "lanczos".
        follow_links: Visit subdirectories that are symlinks.
        crop_to_aspect_ratio: Crop the centre to the target aspect ratio before resizing.

    Returns:
        A dataset with `class_names` and `file_paths` attributes (a pair with "both").
    """
    import eagerflow as tf
    from eagerflow.keras.utils.image_utils import _interpolations, load_img

    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"Unknown keywords argument(s): {tuple(kwargs)}")
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if interpolation not in _interpolations():
        raise ValueError(f"Value not recognized for `interpolation`: {interpolation}. "
                         f"Supported values are: {sorted(_interpolations())}")
    height, width = (int(size) for size in image_size)
    channels = _CHANNELS[color_mode]

    def load(path) -> np.ndarray:
        image = load_img(os.fsdecode(np.asarray(path).item()), color_mode=color_mode,
                         target_size=(height, width), interpolation=interpolation,
                         keep_aspect_ratio=crop_to_aspect_ratio)
        return np.asarray(image, dtype=np.float32).reshape(height, width, channels)

    def images(paths: list):
        return tf.data.Dataset.from_tensor_slices(np.asarray(paths)).map(
            lambda path: tf.ensure_shape(tf.numpy_function(load, [path], tf.float32),
                                         [height, width, channels]),
            num_parallel_calls=tf.data.AUTOTUNE)

    return _from_directory(directory, labels, label_mode, class_names, IMAGE_FORMATS,
                           batch_size, shuffle, seed, validation_split, subset, follow_links,
                           "images", images)


def text_dataset_from_directory(directory: str | os.PathLike, labels: Any = "inferred",
                                label_mode: str | None = "int",
                                class_names: Sequence[str] | None = None,
                                batch_size: int | None = 32, max_length: int | None = None,
                                shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None, subset: str | None = None,
                                follow_links: bool = False):
    """Generates a `tf.data.Dataset` from `.txt` files in a directory.

    Like `image_dataset_from_directory`, with string tensors of the files' bytes (cut to
    `max_length` bytes when given) instead of images.

    Returns:
        A dataset with `class_names` and `file_paths` attributes (a pair with "both").
    """
    import eagerflow as tf

    def read(path) -> np.ndarray:
        with open(os.fsdecode(np.asarray(path).item()), "rb") as handle:
            content = handle.read() if max_length is None else handle.read(max_length)
        return np.array(content, dtype=object)

    def texts(paths: list):
        return tf.data.Dataset.from_tensor_slices(np.asarray(paths)).map(
            lambda path: tf.ensure_shape(tf.numpy_function(read, [path], tf.string), []),
            num_parallel_calls=tf.data.AUTOTUNE)

    return _from_directory(directory, labels, label_mode, class_names, TEXT_FORMATS,
                           batch_size, shuffle, seed, validation_split, subset, follow_links,
                           "text files", texts)


def read_wav(path: str, desired_samples: int | None = None) -> np.ndarray:
    """PCM WAV samples as float32 `(samples, channels)` in [-1, 1], as `tf.audio.decode_wav`.

    With `desired_samples`, longer audio is cut and shorter audio is padded with zeros.
    """
    import wave

    with wave.open(path, "rb") as handle:
        channels, width = handle.getnchannels(), handle.getsampwidth()
        raw = handle.readframes(handle.getnframes())
    if width == 1:  # unsigned 8-bit
        samples = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width in (2, 4):
        dtype = np.dtype("<i2") if width == 2 else np.dtype("<i4")
        samples = np.frombuffer(raw, dtype).astype(np.float32) / float(2 ** (8 * width - 1))
    elif width == 3:  # 24-bit little-endian: widen to 32 bits
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        samples = values.astype(np.float32) / float(1 << 23)
    else:
        raise ValueError(f"Unsupported WAV sample width of {width} bytes in {path}")
    samples = samples.reshape(-1, channels)
    if desired_samples is not None:
        out = np.zeros((desired_samples, channels), np.float32)
        kept = samples[:desired_samples]
        out[:len(kept)] = kept
        samples = out
    return samples


def audio_dataset_from_directory(directory: str | os.PathLike, labels: Any = "inferred",
                                 label_mode: str | None = "int",
                                 class_names: Sequence[str] | None = None,
                                 batch_size: int | None = 32, sampling_rate: int | None = None,
                                 output_sequence_length: int | None = None,
                                 ragged: bool = False, shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, follow_links: bool = False):
    """Generates a `tf.data.Dataset` from `.wav` files in a directory.

    Like `image_dataset_from_directory`, with float32 audio of shape `(samples, channels)`
    (values in [-1, 1]). With `output_sequence_length` every clip is cut or zero-padded to
    that many samples; otherwise a batch is zero-padded to its longest clip.

    Raises:
        ValueError: for `ragged=True` or `sampling_rate` (resampling), which need ragged
            tensors and an audio library that eagerflow does not have.
    """
    import eagerflow as tf

    if ragged:
        raise ValueError("`ragged=True` is not supported: eagerflow has no RaggedTensor. "
                         "Leave `ragged=False` to zero-pad each batch to its longest clip, "
                         "or set `output_sequence_length`.")
    if sampling_rate is not None:
        raise ValueError("`sampling_rate` (resampling the audio) is not supported; resample "
                         "the files beforehand and leave `sampling_rate=None`.")
    if output_sequence_length is not None and output_sequence_length <= 0:
        raise ValueError(f"`output_sequence_length` must be a positive integer. Received: "
                         f"output_sequence_length={output_sequence_length}")

    def load(path) -> np.ndarray:
        return read_wav(os.fsdecode(np.asarray(path).item()), output_sequence_length)

    def clips(paths: list):
        shape = [output_sequence_length, None]
        return tf.data.Dataset.from_tensor_slices(np.asarray(paths)).map(
            lambda path: tf.ensure_shape(tf.numpy_function(load, [path], tf.float32), shape),
            num_parallel_calls=tf.data.AUTOTUNE)

    return _from_directory(directory, labels, label_mode, class_names, AUDIO_FORMATS,
                           batch_size, shuffle, seed, validation_split, subset, follow_links,
                           "audio files", clips, padded=output_sequence_length is None)
