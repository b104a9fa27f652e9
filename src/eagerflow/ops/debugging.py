"""(being written) the debugging family of ops."""

__all__: list = []
NAMESPACES: dict = {"debugging": []}
