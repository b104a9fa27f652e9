"""(being written) the nn family of ops."""

__all__: list = []
NAMESPACES: dict = {"nn": []}
