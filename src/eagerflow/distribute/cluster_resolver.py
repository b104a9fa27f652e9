"""`tf.distribute.cluster_resolver`: finding the machines of a cluster. eagerflow runs in one
process on one CPU, so resolvers describe only this machine, and asking for a TPU raises the
ValueError TF raises when none is reachable (which the common "TPU if present, else the
default strategy" snippet catches)."""

from __future__ import annotations

import json
import os

__all__ = ["ClusterResolver", "TPUClusterResolver", "TFConfigClusterResolver",
           "SimpleClusterResolver"]


class ClusterResolver:
    """Base class: where the cluster's tasks are (`cluster_spec()`) and which one this is."""

    task_type = None
    task_id = None
    rpc_layer = None
    environment = ""

    def cluster_spec(self) -> dict:
        """The jobs of the cluster as {job name: [addresses]} (empty: no cluster)."""
        return {}

    def master(self, task_type=None, task_id=None, rpc_layer=None) -> str:
        return ""

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None) -> dict:
        """Accelerators per type on this machine: none (eagerflow computes on the CPU)."""
        return {}


class SimpleClusterResolver(ClusterResolver):
    """A resolver over a given cluster description (for code that builds one by hand)."""

    def __init__(self, cluster_spec=None, master: str = "", task_type=None, task_id=None,
                 environment: str = "", num_accelerators=None, rpc_layer=None) -> None:
        self._cluster_spec = dict(cluster_spec or {})
        self._master = master
        self.task_type, self.task_id = task_type, task_id
        self.environment, self.rpc_layer = environment, rpc_layer
        self._num_accelerators = dict(num_accelerators or {})

    def cluster_spec(self) -> dict:
        return dict(self._cluster_spec)

    def master(self, task_type=None, task_id=None, rpc_layer=None) -> str:
        return self._master

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None) -> dict:
        return dict(self._num_accelerators)


class TFConfigClusterResolver(ClusterResolver):
    """The cluster the TF_CONFIG environment variable describes (none when it is unset)."""

    def __init__(self, task_type=None, task_id=None, rpc_layer=None, environment=None) -> None:
        raw = os.environ.get("TF_CONFIG") or "{}"
        try:
            config = json.loads(raw)
        except ValueError:
            raise ValueError(f"TF_CONFIG is not valid JSON: {raw!r}.") from None
        task = config.get("task", {})
        self._cluster = dict(config.get("cluster", {}))
        self.task_type = task_type if task_type is not None else task.get("type")
        self.task_id = task_id if task_id is not None else task.get("index")
        self.rpc_layer = rpc_layer if rpc_layer is not None else config.get("rpc_layer")
        self.environment = environment if environment is not None else \
            config.get("environment", "")

    def cluster_spec(self) -> dict:
        return {job: list(tasks) for job, tasks in self._cluster.items()}


class TPUClusterResolver(ClusterResolver):
    """A TPU to connect to: eagerflow has none, so making one raises a ValueError."""

    def __init__(self, tpu=None, zone=None, project=None, job_name: str = "worker",
                 coordinator_name=None, coordinator_address=None, credentials="default",
                 service=None, discovery_url=None) -> None:
        raise ValueError(_no_tpu_message(tpu))

    @staticmethod
    def connect(tpu=None, zone=None, project=None):
        """Connect to and initialize a TPU: eagerflow has none, so this raises a ValueError."""
        raise ValueError(_no_tpu_message(tpu))


def _no_tpu_message(tpu) -> str:
    return (f"Please provide a TPU Name to connect to. (eagerflow computes on one CPU and "
            f"cannot reach a TPU, tpu={tpu!r}; use tf.distribute.get_strategy() or "
            f"tf.distribute.MirroredStrategy() instead.)")
