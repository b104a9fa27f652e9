"""`tf.image`: image ops collected from eagerflow.ops.image (see its NAMESPACES)."""

from eagerflow.ops import image as _image

globals().update({name: getattr(_image, name) for name in _image.NAMESPACES["image"]})
__all__ = sorted(_image.NAMESPACES["image"])
