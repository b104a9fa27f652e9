"""`tf.device`: a placement scope. eagerflow computes on the CPU, so any device string is
accepted (as TF's soft placement does when a GPU is absent) and ops run where they always do."""

from __future__ import annotations

__all__ = ["device"]


class device:
    """`with tf.device("/GPU:0"):` — accepted; the ops inside run on the CPU."""

    def __init__(self, device_name) -> None:
        if device_name is not None and not isinstance(device_name, str):
            raise TypeError(f"tf.device expects a device name string, got {device_name!r}")
        self.device_name = device_name

    def __enter__(self) -> device:
        return self

    def __exit__(self, *exc_info) -> None:
        return None
