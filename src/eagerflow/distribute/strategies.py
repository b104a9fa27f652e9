"""The concrete strategies: MirroredStrategy, OneDeviceStrategy and CentralStorageStrategy
run their one replica on the CPU (a request for GPUs or several devices warns and uses the
CPU, as a program on a CPU-only machine expects); MultiWorkerMirroredStrategy runs a
single-worker cluster; TPUStrategy and ParameterServerStrategy, which need hardware or
other processes eagerflow does not have, raise a clear error."""

from __future__ import annotations

import enum
import json
import logging
import os

from eagerflow.distribute.strategy import CPU_DEVICE, Strategy

__all__ = ["MirroredStrategy", "OneDeviceStrategy", "CentralStorageStrategy",
           "MultiWorkerMirroredStrategy", "TPUStrategy", "ParameterServerStrategy",
           "CrossDeviceOps", "ReductionToOneDevice", "NcclAllReduce", "HierarchicalCopyAllReduce",
           "CommunicationImplementation", "CommunicationOptions"]

_log = logging.getLogger("eagerflow")


def _device_kind(name: str, owner: str) -> str:
    """The device type ("CPU", "GPU", ...) of a device string such as "/gpu:0"."""
    if not isinstance(name, str):
        raise TypeError(f"{owner}: a device must be a string such as '/cpu:0', got "
                        f"{type(name).__name__}: {name!r}.")
    for part in name.strip("/").split("/"):
        part = part.removeprefix("device:")
        kind = part.split(":")[0].upper()
        if kind in ("CPU", "GPU", "TPU", "XLA_CPU", "XLA_GPU"):
            return kind
    raise ValueError(f"{owner}: cannot read the device type of {name!r}; write it as '/cpu:0' "
                     "or '/job:localhost/replica:0/task:0/device:CPU:0'.")


def _check_devices(devices, owner: str) -> None:
    """Warn when `devices` asks for more than the one CPU eagerflow computes on."""
    if devices is None:
        return
    if isinstance(devices, str):
        devices = [devices]
    if not isinstance(devices, (list, tuple)):
        raise TypeError(f"{owner}: devices must be a list of device strings, got "
                        f"{type(devices).__name__}: {devices!r}.")
    if not devices:
        raise ValueError(f"{owner}: Must specify at least one device (or devices=None for the "
                         "CPU).")
    kinds = [_device_kind(d, owner) for d in devices]
    if len(devices) > 1 or kinds[0] != "CPU":
        _log.warning("%s: eagerflow computes on one CPU device; the requested devices %s are "
                     "replaced by %s (num_replicas_in_sync = 1).", owner, list(devices),
                     CPU_DEVICE)


class CrossDeviceOps:
    """How values are reduced across devices (accepted; one replica needs no reduction)."""

    def __init__(self, *args, **kwargs) -> None:
        self._args, self._kwargs = args, kwargs


class ReductionToOneDevice(CrossDeviceOps):
    """Reduce by copying to one device and adding there."""


class NcclAllReduce(CrossDeviceOps):
    """All-reduce with NCCL (a GPU library; accepted and unused on the CPU)."""


class HierarchicalCopyAllReduce(CrossDeviceOps):
    """All-reduce by hierarchical copies (accepted and unused on the CPU)."""


class CommunicationImplementation(enum.Enum):
    """Collective communication backends of MultiWorkerMirroredStrategy."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """Options of collective communication (accepted; one replica does not communicate)."""

    def __init__(self, bytes_per_pack: int = 0, timeout_seconds=None,
                 implementation=CommunicationImplementation.AUTO) -> None:
        if bytes_per_pack < 0:
            raise ValueError(f"bytes_per_pack must be non-negative, got {bytes_per_pack}.")
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation


class MirroredStrategy(Strategy):
    """Synchronous training on the devices of one machine (`tf.distribute.MirroredStrategy`):
    here one replica on the CPU, as TF gives on a machine without GPUs.

    >>> strategy = tf.distribute.MirroredStrategy()
    >>> strategy.num_replicas_in_sync
    1
    """

    def __init__(self, devices=None, cross_device_ops=None) -> None:
        _check_devices(devices, "MirroredStrategy")
        if cross_device_ops is not None and not isinstance(cross_device_ops, CrossDeviceOps):
            raise ValueError(f"cross_device_ops must be a tf.distribute.CrossDeviceOps, got "
                             f"{cross_device_ops!r}.")
        super().__init__()


class OneDeviceStrategy(Strategy):
    """Everything on one device (`tf.distribute.OneDeviceStrategy("/cpu:0")`)."""

    def __init__(self, device) -> None:
        _check_devices([device], "OneDeviceStrategy")
        super().__init__()


class CentralStorageStrategy(Strategy):
    """Variables on one device, computation mirrored on the others
    (`tf.distribute.experimental.CentralStorageStrategy`): one CPU replica here."""

    def __init__(self, compute_devices=None, parameter_device=None) -> None:
        _check_devices(compute_devices, "CentralStorageStrategy")
        if parameter_device is not None:
            _check_devices([parameter_device], "CentralStorageStrategy")
        super().__init__()


def _cluster_size_from_tf_config() -> int:
    """The number of worker/chief tasks TF_CONFIG describes (1 when it is unset)."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return 1
    try:
        cluster = json.loads(raw).get("cluster", {})
    except (ValueError, AttributeError):
        raise ValueError(f"TF_CONFIG is not a JSON object: {raw!r}.") from None
    return max(1, sum(len(cluster.get(job, [])) for job in ("chief", "worker")))


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training over several workers. eagerflow runs one process: without a
    cluster (TF_CONFIG unset, no cluster_resolver) this is one worker with one CPU replica,
    as in TF; a cluster of several workers raises a ValueError."""

    def __init__(self, cluster_resolver=None, communication_options=None) -> None:
        workers = _cluster_size_from_tf_config()
        if cluster_resolver is not None or workers > 1:
            raise ValueError(
                f"MultiWorkerMirroredStrategy: eagerflow runs on one CPU in one process and "
                f"cannot join a cluster of several workers (TF_CONFIG describes {workers} "
                f"task(s); cluster_resolver={cluster_resolver!r}). Unset TF_CONFIG to train on "
                f"this machine alone, or use tf.distribute.MirroredStrategy().")
        if communication_options is not None and \
                not isinstance(communication_options, CommunicationOptions):
            raise ValueError(f"communication_options must be a "
                             f"tf.distribute.experimental.CommunicationOptions, got "
                             f"{communication_options!r}.")
        super().__init__()


class TPUStrategy(Strategy):
    """Training on TPUs: eagerflow has none, so making one raises a ValueError."""

    def __init__(self, tpu_cluster_resolver=None, experimental_device_assignment=None,
                 experimental_spmd_xla_partitioning: bool = False) -> None:
        raise ValueError("TPUStrategy: eagerflow computes on one CPU and cannot connect to a "
                         f"TPU (tpu_cluster_resolver={tpu_cluster_resolver!r}). Use "
                         "tf.distribute.MirroredStrategy() or tf.distribute.get_strategy() "
                         "to run the same program on the CPU.")


class ParameterServerStrategy(Strategy):
    """Asynchronous training with parameter servers: needs a cluster of processes that
    eagerflow does not run, so making one raises a ValueError."""

    def __init__(self, cluster_resolver=None, variable_partitioner=None) -> None:
        raise ValueError("ParameterServerStrategy: eagerflow runs on one CPU in one process "
                         "and has no parameter servers or workers to coordinate "
                         f"(cluster_resolver={cluster_resolver!r}). Use "
                         "tf.distribute.MirroredStrategy() to train on this machine.")
