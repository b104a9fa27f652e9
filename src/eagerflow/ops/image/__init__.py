"""Image ops (`tf.image`): one module per job (geometry, resizing, colour, augmentation,
quality metrics, boxes, codecs). This package gathers their public names into `NAMESPACES`,
which tf.image and tf.io read.

Every op is a composite of existing primitives (so gradients, tracing and unknown dims come
for free); data-dependent ops without gradients run a NumPy/Pillow kernel through
`numpy_function`, so they also work inside tf.function and tf.data.
"""

from eagerflow.ops.image import augment, boxes, codecs, color, geometry, helpers, quality, resizing

_MODULES = (helpers, geometry, resizing, color, augment, quality, boxes, codecs)

__all__: list = []
IMAGE_NAMES = [name for module in _MODULES for name in module.NAMESPACES["image"]]
IO_NAMES = [name for module in _MODULES for name in module.NAMESPACES["io"]]
NAMESPACES = {"image": IMAGE_NAMES, "io": IO_NAMES}
globals().update({name: getattr(module, name) for module in _MODULES
                  for name in module.NAMESPACES["image"] + module.NAMESPACES["io"]})
