"""`tf.config`: run-time switches (run_functions_eagerly, devices)."""

from eagerflow.function.function import functions_run_eagerly, run_functions_eagerly

__all__ = ["run_functions_eagerly", "functions_run_eagerly", "list_physical_devices",
           "list_logical_devices", "get_visible_devices", "set_visible_devices", "experimental"]


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


def get_visible_devices(device_type: str | None = None) -> list:
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted for compatibility: eagerflow always runs on the CPU."""


class experimental:  # noqa: N801 - TF's namespace `tf.config.experimental`
    """`tf.config.experimental`: device settings that have no effect on a CPU-only runtime."""

    list_physical_devices = staticmethod(list_physical_devices)

    @staticmethod
    def set_memory_growth(device, enable: bool) -> None:
        """No effect: memory is NumPy's, allocated as arrays are made (no up-front pool)."""

    @staticmethod
    def get_memory_growth(device) -> bool:
        return True
