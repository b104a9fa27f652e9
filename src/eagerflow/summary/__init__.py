"""`tf.summary`: TensorBoard event files (scalars, histograms, text, images, audio).

    writer = tf.summary.create_file_writer("logs/run1")
    with writer.as_default(step=0):
        tf.summary.scalar("loss", 0.5)

`read_events(path_or_logdir)` decodes event files back (for tests and tools).
"""

from eagerflow.summary import experimental
from eagerflow.summary.event_file import event_files, read_events, summary_iterator
from eagerflow.summary.proto import Event, SummaryValue
from eagerflow.summary.summary_ops import audio, histogram, image, scalar, text, write
from eagerflow.summary.trace import trace_export, trace_off, trace_on
from eagerflow.summary.writer import (
    SummaryWriter,
    create_file_writer,
    create_noop_writer,
    flush,
    record_if,
    should_record_summaries,
)

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "flush", "record_if",
           "should_record_summaries", "scalar", "histogram", "text", "image", "audio", "write",
           "trace_on", "trace_off", "trace_export", "experimental", "read_events",
           "summary_iterator", "event_files", "Event", "SummaryValue"]
