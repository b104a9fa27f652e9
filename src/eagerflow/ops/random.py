"""(being written) the random family of ops."""

__all__: list = []
NAMESPACES: dict = {"random": []}
