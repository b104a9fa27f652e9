"""`tf.config`: run-time switches (run_functions_eagerly, devices)."""

from eagerflow.function.function import functions_run_eagerly, run_functions_eagerly

__all__ = ["run_functions_eagerly", "functions_run_eagerly", "list_physical_devices",
           "list_logical_devices"]


class PhysicalDevice:
    def __init__(self, name: str, device_type: str) -> None:
        self.name = name
        self.device_type = device_type

    def __repr__(self) -> str:
        return f"PhysicalDevice(name='{self.name}', device_type='{self.device_type}')"


def list_physical_devices(device_type: str | None = None) -> list:
    """eagerflow computes on the CPU only."""
    if device_type not in (None, "CPU"):
        return []
    return [PhysicalDevice("/physical_device:CPU:0", "CPU")]


def list_logical_devices(device_type: str | None = None) -> list:
    return list_physical_devices(device_type)
