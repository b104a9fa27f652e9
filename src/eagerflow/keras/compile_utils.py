"""What `model.compile(loss=..., metrics=...)` turns into: per-output losses and metrics.

Losses and metrics may be given once (applied to every output), as a list (one per output)
or as a dict keyed by output name. Metric objects are made when the first batch is seen
(their kind — e.g. which accuracy 'accuracy' means — depends on the shapes and the loss),
eagerly even when that happens while the train step is being traced.
"""

from __future__ import annotations

from eagerflow.core import nest

__all__ = ["LossesContainer", "MetricsContainer"]


def _per_output(spec, output_names: list, what: str) -> list:
    """One entry per output from a single value, a list or a dict keyed by output name."""
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {sorted(unknown)}. Only "
                             f"expected following keys: {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)):
        if what in ("metrics", "weighted_metrics") and not any(
                isinstance(s, (list, tuple, dict)) for s in spec):
            # A flat metrics list applies to every output (each output its own objects).
            return [list(spec)] + [[_fresh_copy(m) for m in spec] for _ in range(count - 1)]
        if len(spec) != count:
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {count} outputs, but you passed "
                             f"{what}={spec}")
        return list(spec)
    return [spec] * count


def _fresh_copy(metric):
    """A new metric object like `metric` (a name or function is shared as it is)."""
    get_config = getattr(metric, "get_config", None)
    if callable(get_config) and hasattr(type(metric), "from_config"):
        return type(metric).from_config(get_config())
    return metric


def _per_output_data(y_true, y_pred, sample_weight, output_names: list) -> tuple:
    """(predictions, targets, sample weights), one entry per output; a single target or
    weight given for several outputs serves them all."""
    predictions = _flat_outputs(y_pred, output_names)
    count = len(predictions)

    def spread(values) -> list:
        if values is None:
            return [None] * count
        flat = _flat_outputs(values, output_names)
        return flat * count if len(flat) == 1 and count > 1 else flat

    return predictions, spread(y_true), spread(sample_weight)


def _flat_outputs(values, output_names: list) -> list:
    if isinstance(values, dict):
        return [values.get(name) for name in output_names]
    flat = nest.flatten(values) if isinstance(values, (list, tuple)) else [values]
    return flat


class LossesContainer:
    """Computes the total loss of a batch and tracks it (and per-output losses) as means."""

    def __init__(self, losses, loss_weights=None, output_names=None) -> None:
        self._user_losses = losses
        self._user_weights = loss_weights
        self._output_names = output_names
        self._losses = None
        self._weights = None
        self._trackers = None

    def build(self, y_pred) -> None:
        from eagerflow.graph.builder import init_scope
        from eagerflow.keras import losses as losses_module
        from eagerflow.keras import metrics as metrics_module

        outputs = _flat_outputs(y_pred, self._output_names or [])
        names = self._output_names or [f"output_{i + 1}" for i in range(len(outputs))]
        if len(names) != len(outputs):
            names = [f"output_{i + 1}" for i in range(len(outputs))]
        self._output_names = names
        specs = _per_output(self._user_losses, names, "loss")
        self._losses = [_as_loss(losses_module, spec) for spec in specs]
        weights = self._user_weights
        self._weights = ([1.0] * len(names) if weights is None
                         else [1.0 if w is None else float(w)
                               for w in _per_output(weights, names, "loss_weights")])
        with init_scope():
            self._total_tracker = metrics_module.Mean(name="loss")
            self._trackers = ([metrics_module.Mean(name=f"{name}_loss") for name in names]
                              if len(names) > 1 else [])

    @property
    def metrics(self) -> list:
        if self._losses is None:
            return []
        return [self._total_tracker] + [t for t, loss in zip(self._trackers, self._losses)
                                        if loss is not None]

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        import eagerflow as tf

        if self._losses is None:
            self.build(y_pred)
        predictions, targets, weights = _per_output_data(y_true, y_pred, sample_weight,
                                                         self._output_names)
        total = None
        batch = None
        for index, (loss, target, prediction, weight) in enumerate(
                zip(self._losses, targets, predictions, weights)):
            if loss is None:
                continue
            if target is None:
                raise ValueError(f"Output {self._output_names[index]!r} has a loss but no "
                                 "target data (y) was given for it.")
            value = loss(target, prediction, sample_weight=weight)
            if batch is None:
                batch = _batch_size(prediction)
            if self._trackers:
                self._trackers[index].update_state(value, sample_weight=batch)
            weighted = value * self._weights[index] if self._weights[index] != 1.0 else value
            total = weighted if total is None else total + weighted
        if regularization_losses:
            penalty = tf.add_n([tf.cast(r, tf.float32) for r in regularization_losses])
            total = penalty if total is None else total + tf.cast(penalty, total.dtype)
        if total is None:
            total = tf.constant(0.0)
        self._total_tracker.update_state(total, sample_weight=batch if batch is not None else 1)
        return total

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()


def _batch_size(prediction):
    """The batch size weighting the loss trackers: a Python int when the trace knows it (no
    shape ops in the compiled step), else `tf.shape(prediction)[0]`."""
    import eagerflow as tf

    shape = getattr(prediction, "shape", None)
    if shape is not None and shape.rank and shape[0] is not None:
        return int(shape[0])
    return tf.shape(prediction)[0]


def _as_loss(losses_module, spec):
    if spec is None:
        return None
    loss = losses_module.get(spec)
    if isinstance(loss, losses_module.Loss):
        return loss
    name = spec if isinstance(spec, str) else getattr(loss, "__name__", "loss")
    return losses_module.LossFunctionWrapper(loss, name=name)


class MetricsContainer:
    """The compiled metrics of each output, made on the first batch and updated per batch."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None,
                 losses=None) -> None:
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._output_names = output_names
        self._user_losses = losses
        self._metrics = None  # per output: list of (metric, weighted)

    def build(self, y_true, y_pred) -> None:
        from eagerflow.graph.builder import init_scope

        predictions = _flat_outputs(y_pred, self._output_names or [])
        names = self._output_names or []
        if len(names) != len(predictions):
            names = [f"output_{i + 1}" for i in range(len(predictions))]
        self._output_names = names
        targets = _flat_outputs(y_true, names) if y_true is not None else \
            [None] * len(predictions)
        if len(targets) == 1 and len(predictions) > 1:
            targets = targets * len(predictions)
        plain = _per_output(self._user_metrics or [], names, "metrics") if \
            self._user_metrics else [[] for _ in names]
        weighted = _per_output(self._user_weighted or [], names, "weighted_metrics") if \
            self._user_weighted else [[] for _ in names]
        losses = _per_output(self._user_losses, names, "loss") if self._user_losses is not None \
            else [None] * len(names)
        self._metrics = []
        with init_scope():
            for index, name in enumerate(names):
                prefix = f"{name}_" if len(names) > 1 else ""
                entries = []
                plain_specs = _as_list(plain[index])
                plain_names = {spec for spec in plain_specs if isinstance(spec, str)}
                for spec in plain_specs:
                    entries.append((_make_metric(spec, targets[index], predictions[index],
                                                 losses[index], prefix), False))
                for spec in _as_list(weighted[index]):
                    display = prefix + ("weighted_" if spec in plain_names else "")
                    entries.append((_make_metric(spec, targets[index], predictions[index],
                                                 losses[index], display), True))
                self._metrics.append(entries)

    @property
    def metrics(self) -> list:
        if self._metrics is None:
            return []
        return [metric for entries in self._metrics for metric, _ in entries]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self._metrics is None:
            self.build(y_true, y_pred)
        predictions, targets, weights = _per_output_data(y_true, y_pred, sample_weight,
                                                         self._output_names)
        for entries, target, prediction, weight in zip(self._metrics, targets, predictions,
                                                       weights):
            mask = getattr(prediction, "_keras_mask", None)
            for metric, is_weighted in entries:
                if target is None:
                    continue
                metric.update_state(target, prediction, sample_weight=_with_mask(
                    weight if is_weighted else None, mask, prediction))

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()


def _with_mask(sample_weight, mask, prediction):
    """A padding mask on the predictions (from masking layers) weighs metric updates too."""
    if mask is None:
        return sample_weight
    import eagerflow as tf
    from eagerflow.keras.losses import squeeze_or_expand_dimensions

    mask = tf.cast(mask, prediction.dtype)
    if sample_weight is None:
        return mask
    sample_weight = tf.cast(sample_weight, prediction.dtype)
    mask, _, sample_weight = squeeze_or_expand_dimensions(mask, None, sample_weight)
    return sample_weight * mask


_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def _loss_name(loss) -> str:
    if loss is None:
        return ""
    if isinstance(loss, str):
        return loss
    function = getattr(loss, "fn", None) or loss
    return getattr(function, "__name__", type(loss).__name__)


def _as_list(specs) -> list:
    if specs is None:
        return []
    return list(specs) if isinstance(specs, (list, tuple)) else [specs]


def _make_metric(spec, target, prediction, loss, prefix: str):
    """A metric object for one compile entry (a name, function or Metric)."""
    from eagerflow.keras import metrics as metrics_module

    if isinstance(spec, metrics_module.Metric):
        return spec
    if isinstance(spec, str) and spec in _ACCURACY_NAMES + _CROSSENTROPY_NAMES:
        kind = _classification_kind(target, prediction, loss)
        display = prefix + spec
        if spec in _ACCURACY_NAMES:
            cls = {"binary": metrics_module.BinaryAccuracy,
                   "sparse": metrics_module.SparseCategoricalAccuracy,
                   "categorical": metrics_module.CategoricalAccuracy}[kind]
        else:
            cls = {"binary": metrics_module.BinaryCrossentropy,
                   "sparse": metrics_module.SparseCategoricalCrossentropy,
                   "categorical": metrics_module.CategoricalCrossentropy}[kind]
        return cls(name=display)
    resolved = metrics_module.get(spec)
    if isinstance(resolved, metrics_module.Metric):
        return resolved
    if isinstance(resolved, type) and issubclass(resolved, metrics_module.Metric):
        return resolved()
    name = spec if isinstance(spec, str) else getattr(resolved, "__name__", "metric")
    return metrics_module.MeanMetricWrapper(resolved, name=prefix + name)


def _classification_kind(target, prediction, loss) -> str:
    """Which accuracy 'accuracy' means, from the loss and the shapes (tf.keras's rule)."""
    loss_name = _loss_name(loss)
    if "sparse_categorical" in loss_name or "SparseCategorical" in loss_name:
        return "sparse"
    if "binary" in loss_name or "Binary" in loss_name:
        return "binary"
    target_shape = getattr(target, "shape", None)
    prediction_shape = getattr(prediction, "shape", None)
    target_last = _last(target_shape)
    prediction_last = _last(prediction_shape)
    if prediction_last == 1:
        return "binary"
    if target_last == 1 or (target_shape is not None and prediction_shape is not None and
                            len(target_shape) == len(prediction_shape) - 1):
        return "sparse"
    if "categorical" in loss_name or "Categorical" in loss_name:
        return "categorical"
    return "categorical"


def _last(shape):
    if shape is None:
        return None
    dims = list(shape)
    return dims[-1] if dims else None
