"""`tf.data.experimental`: the helpers TF keeps there (cardinality, assert_cardinality, ...)."""

from __future__ import annotations

from eagerflow.data.dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from eagerflow.data.options import AutoShardPolicy, ExternalStatePolicy
from eagerflow.data.sources import TFRecordDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "AutoShardPolicy",
           "ExternalStatePolicy", "assert_cardinality", "cardinality", "ignore_errors",
           "enumerate_dataset", "unique", "sample_from_datasets", "choose_from_datasets",
           "bucket_by_sequence_length", "group_by_window", "scan", "take_while",
           "get_single_element", "get_next_as_optional", "TFRecordDataset"]


def assert_cardinality(expected_cardinality):
    """A transformation (for `dataset.apply`) asserting the number of elements."""
    return lambda dataset: dataset.assert_cardinality(expected_cardinality)


def cardinality(dataset: Dataset):
    """The dataset's cardinality as an int64 scalar tensor (-1 infinite, -2 unknown)."""
    return dataset.cardinality()


def ignore_errors(log_warning=False):
    return lambda dataset: dataset.ignore_errors(log_warning)


def enumerate_dataset(start=0):
    return lambda dataset: dataset.enumerate(start)


def unique():
    return lambda dataset: dataset.unique()


def scan(initial_state, scan_func):
    return lambda dataset: dataset.scan(initial_state, scan_func)


def take_while(predicate):
    return lambda dataset: dataset.take_while(predicate)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    return lambda dataset: dataset.group_by_window(key_func, reduce_func, window_size,
                                                   window_size_func)


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    return lambda dataset: dataset.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
        padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def get_single_element(dataset: Dataset):
    return dataset.get_single_element()


def get_next_as_optional(iterator):
    """`iterator.get_next_as_optional()` as a function."""
    return iterator.get_next_as_optional()
