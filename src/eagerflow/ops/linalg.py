"""(being written) the linalg family of ops."""

__all__: list = []
NAMESPACES: dict = {"linalg": []}
