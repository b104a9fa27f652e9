"""The Keras optimizer base class: gradients in, variable updates out (Keras 3 semantics).

`apply_gradients` filters missing gradients, clips, applies decoupled weight decay, runs each
optimizer's `update_step` as assign ops, then keeps the EMA and the step counter. It works
eagerly and inside tf.function: slot variables are created on first use under `init_scope`,
so they are made eagerly even while a train step is being traced.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterable

import numpy as np

import eagerflow as tf
from eagerflow.graph.builder import init_scope
from eagerflow.keras.optimizers._helpers import (
    CallableList,
    clip_by_global_norm,
    default_name,
    hyperparameter,
    make_initial_value,
    slot_name,
    takes_two_arguments,
)
from eagerflow.keras.optimizers.schedules import learning_rate_schedule as schedules
from eagerflow.keras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule

__all__ = ["Optimizer"]

_logger = logging.getLogger("eagerflow")

# Keyword arguments of older Keras versions that are accepted for compatibility only.
_IGNORED_KWARGS = ("jit_compile", "is_legacy_optimizer", "mesh")


class Optimizer:
    """Base class of Keras optimizers.

    Subclasses declare their per-variable state in `_slot_groups()` (or create it in `build`,
    Keras 3 style, with `add_variable_from_reference`) and implement
    `update_step(gradient, variable, learning_rate)` with `self.assign`/`assign_add`/
    `assign_sub`. `learning_rate` passed to `update_step` is already cast to the variable's
    dtype.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        weight_decay: if set, each step first applies `v -= v * weight_decay * learning_rate`.
        clipnorm / global_clipnorm / clipvalue: at most one; clip each gradient's norm, the
            norm of all gradients together, or each gradient's values.
        use_ema: keep an exponential moving average of the variables (`ema_momentum`),
            copied into them every `ema_overwrite_frequency` steps and by
            `finalize_variable_values`.
        loss_scale_factor: gradients are divided by it (the loss is multiplied by `scale_loss`).
        gradient_accumulation_steps: if set (>= 2), gradients are summed and the variables are
            updated with their mean every that many calls.
        name: defaults to the snake_case class name, made unique (`adam`, `adam_1`, ...).
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name: str | None = None, **kwargs) -> None:
        learning_rate = self._legacy_kwargs(learning_rate, kwargs)
        self.name = name if name is not None else default_name(type(self))
        self.weight_decay = hyperparameter(weight_decay, "weight_decay")
        self.clipnorm = hyperparameter(clipnorm, "clipnorm")
        self.clipvalue = hyperparameter(clipvalue, "clipvalue")
        self.global_clipnorm = hyperparameter(global_clipnorm, "global_clipnorm")
        set_clips = [c for c in (clipnorm, clipvalue, global_clipnorm) if c is not None]
        if len(set_clips) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.use_ema = bool(use_ema)
        self.ema_momentum = hyperparameter(ema_momentum, "ema_momentum")
        if self.use_ema and not 0.0 <= self.ema_momentum <= 1.0:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                             f"Received: ema_momentum={ema_momentum}")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = hyperparameter(loss_scale_factor, "loss_scale_factor")
        if gradient_accumulation_steps is not None and (
                isinstance(gradient_accumulation_steps, bool)
                or not isinstance(gradient_accumulation_steps, int)
                or gradient_accumulation_steps < 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        self.gradient_accumulation_steps = gradient_accumulation_steps

        self.built = False
        self._trainable_variables: list = []
        self._variable_index: dict[int, int] = {}     # id(model variable) -> its index
        self._slots: list[dict[str, tf.Variable]] = []  # per model variable: slot name -> slot
        self._ema_averages: list = []
        self._accumulators: list = []                 # gradient sums, per model variable
        self._step_cache: dict = {}
        self._exclude_ids: set[int] = set()
        self._exclude_patterns: list[str] = []
        with init_scope():
            self._iterations = tf.Variable(0, name="iteration", dtype=tf.int64, trainable=False)
            # tf_keras checkpoint layout: `_variables` = [iterations] + optimizer state.
            self._variables: list = [self._iterations]
            self._learning_rate = self._build_learning_rate(learning_rate)

    # --- construction helpers ------------------------------------------------------------
    def _legacy_kwargs(self, learning_rate, kwargs: dict):
        """Accept older Keras arguments: `lr` (the learning rate) and `decay` (legacy
        inverse-time decay: rate / (1 + decay * iterations))."""
        if "lr" in kwargs:
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          stacklevel=3)
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        self.decay = hyperparameter(decay, "decay") or 0.0
        if self.decay < 0:
            raise ValueError(f"Argument `decay` must be >= 0. Received: decay={decay}")
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        return learning_rate

    def _build_learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule):
            return learning_rate
        if callable(learning_rate) and not isinstance(learning_rate, tf.Variable):
            return learning_rate
        try:
            value = hyperparameter(learning_rate, "learning_rate")
        except ValueError:
            value = None
        if value is None:
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration value "
                "and returns the corresponding learning rate value). "
                f"Received instead: learning_rate={learning_rate!r}")
        return tf.Variable(value, name="learning_rate", dtype=tf.float32, trainable=False)

    # --- hyperparameters -----------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied so far (an int64 variable). With
        `gradient_accumulation_steps`, the number of variable updates (calls // steps)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @iterations.setter
    def iterations(self, value) -> None:
        if isinstance(value, tf.Variable):
            if value.dtype != tf.int64:
                value = tf.Variable(tf.cast(value, tf.int64), name="iteration", trainable=False)
            self._variables[0] = value
            self._iterations = value
        else:
            self._iterations.assign(value)

    @property
    def learning_rate(self):
        """The current learning rate: the float32 variable, or the schedule's value now."""
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            return rate(self._iterations)
        if not isinstance(rate, tf.Variable):
            return rate()
        return rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule) or (
                callable(value) and not isinstance(value, tf.Variable)):
            self._learning_rate = value
            return
        if not isinstance(self._learning_rate, tf.Variable):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        self._learning_rate.assign(value)

    lr = learning_rate

    @property
    def variables(self) -> list:
        """All optimizer state (Keras 3 order): iterations, learning rate, then slots.

        The list may also be called (`optimizer.variables()`), as legacy optimizers' method.
        """
        rate = [self._learning_rate] if isinstance(self._learning_rate, tf.Variable) else []
        return CallableList([self._iterations, *rate, *self._variables[1:]])

    def _trackable_children(self, *args, **kwargs) -> dict:
        """Checkpoint children with tf_keras's names (new-optimizer layout)."""
        children: dict = {"_iterations": self._iterations}
        if isinstance(self._learning_rate, tf.Variable):
            children["_learning_rate"] = self._learning_rate
        children["_variables"] = list(self._variables)
        return children

    # --- building ------------------------------------------------------------------------
    def _slot_groups(self) -> list[tuple[tuple[str, float], ...]]:
        """Per-variable state as groups of (slot name, initial value); within a group slots
        are created interleaved per variable (Keras's variable order)."""
        return []

    def build(self, var_list: Iterable) -> None:
        """Create the state for `var_list` (slots, EMA averages); variables already known are
        skipped, so calling it again with more variables only adds theirs."""
        new = []
        for variable in var_list:
            if not isinstance(variable, tf.Variable):
                raise TypeError(f"Optimizer '{self.name}' can only update tf.Variable objects. "
                                f"Received: {variable!r}")
            if id(variable) not in self._variable_index:
                self._variable_index[id(variable)] = len(self._trainable_variables)
                self._trainable_variables.append(variable)
                self._slots.append({})
                new.append(variable)
        if not new:
            self.built = True
            return
        with init_scope():
            if self.use_ema:
                for variable in new:
                    self._ema_averages.append(self.add_variable_from_reference(variable,
                                                                               "average"))
            if self.gradient_accumulation_steps:
                for variable in new:
                    self._accumulators.append(self.add_variable_from_reference(
                        variable, "gradient_accumulator"))
            for group in self._slot_groups():
                for variable in new:
                    slots = self._slots[self._variable_index[id(variable)]]
                    for slot, initial in group:
                        slots[slot] = self.add_variable_from_reference(
                            variable, slot, initializer=initial)
            self._build_extra(new, first=not self.built)
        self.built = True
        # A checkpoint restored before the slots existed assigns their saved values now.
        from eagerflow.train import checkpoint_io

        checkpoint_io.restore_pending()

    def _build_extra(self, new_variables: list, first: bool) -> None:
        """Hook for state that is not per variable (e.g. Nadam's running product)."""

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation=None,
                     name: str | None = None) -> tf.Variable:
        """A new optimizer variable (non-trainable), tracked in `variables`."""
        dtype = tf.as_dtype(dtype or "float32")
        with init_scope():
            value = make_initial_value(initializer, list(shape), dtype)
            variable = tf.Variable(value, name=name or "var", dtype=dtype, trainable=False)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable=None, name: str | None = None,
                                    initializer="zeros", shape=None, initial_value=None,
                                    *, model_variable=None,
                                    variable_name: str | None = None) -> tf.Variable:
        """A new optimizer variable shaped (and typed) like `reference_variable`, named
        `<reference name>_<name>` (e.g. `dense_kernel_momentum`). tf_keras's keyword names
        `model_variable=` and `variable_name=` are accepted too."""
        reference_variable = reference_variable if model_variable is None else model_variable
        if reference_variable is None:
            raise TypeError("add_variable_from_reference() needs the `reference_variable`.")
        name = name or variable_name or "var"
        if initial_value is not None:
            initializer = initial_value
        shape = reference_variable.shape if shape is None else tf.TensorShape(shape)
        if not shape.is_fully_defined():
            raise ValueError(f"Optimizer '{self.name}' cannot create the '{name}' state for "
                             f"variable '{reference_variable.name}' of shape {shape}: its shape "
                             "must be fully defined.")
        return self.add_variable(shape.as_list(), initializer, reference_variable.dtype,
                                 name=f"{slot_name(reference_variable)}_{name}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Keras 3 helper: one variable per model variable for each name (interleaved);
        a list for a single name, a tuple of lists for several."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else \
            [initializer] * len(names)
        result = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot, init) in enumerate(zip(names, inits)):
                result[i].append(self.add_variable_from_reference(variable, slot, init))
        return result[0] if isinstance(name, str) else result

    def _get_variable_index(self, variable) -> int:
        try:
            return self._variable_index[id(variable)]
        except KeyError:
            raise KeyError(
                f"The optimizer '{self.name}' does not know variable '{variable.name}'. Call "
                "`optimizer.build(variables)` with every variable it will update.") from None

    def _var_key(self, variable) -> int:
        return id(variable)

    @property
    def _index_dict(self) -> dict[int, int]:
        """tf_keras's name: `_var_key(variable)` -> the variable's index."""
        return self._variable_index

    def _slots_of(self, variable) -> dict:
        return self._slots[self._get_variable_index(variable)]

    # --- assignment helpers (Keras 3 API for update_step) --------------------------------
    def assign(self, variable, value) -> None:
        variable.assign(value)

    def assign_add(self, variable, value) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable, value) -> None:
        variable.assign_sub(value)

    def update_step(self, gradient, variable, learning_rate) -> None:
        """Update `variable` from its `gradient` (implemented by each optimizer)."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "`update_step(gradient, variable, learning_rate)`.")

    # --- per-step values -----------------------------------------------------------------
    def _step_value(self, key, dtype, compute: Callable):
        """A value shared by every variable of `dtype` in this step (computed once)."""
        cached = self._step_cache.get((key, dtype))
        if cached is None:
            cached = self._step_cache[(key, dtype)] = compute()
        return cached

    def _local_step(self, dtype):
        """iterations + 1 as `dtype` (the 1-based number of the step being applied)."""
        return self._step_value("local_step", dtype,
                                lambda: tf.cast(self.iterations + 1, dtype))

    def _current_learning_rate(self):
        rate = self.learning_rate
        if self.decay:
            rate = tf.cast(rate, tf.float32) / (
                1.0 + self.decay * tf.cast(self._iterations, tf.float32))
        return rate

    def _learning_rate_as(self, dtype):
        return self._step_value("learning_rate", dtype, lambda: tf.cast(
            self._step_value("learning_rate", None, self._current_learning_rate), dtype))

    # --- applying gradients --------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name: str | None = None,
                        skip_gradients_aggregation: bool = False, **kwargs) -> tf.Variable:
        """Apply `(gradient, variable)` pairs; returns the `iterations` variable."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError("`grads_and_vars` must be an iterable of (gradient, variable) "
                                f"pairs. Received an element {pair!r}.")
        grads, variables = zip(*pairs)
        return self.apply(list(grads), list(variables))

    def apply(self, grads, trainable_variables=None) -> tf.Variable:
        """Apply `grads` to `trainable_variables` (by default the variables the optimizer was
        built with); returns the `iterations` variable."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Optimizer '{self.name}': the number of gradients ({len(grads)}) does not match "
                f"the number of variables ({len(trainable_variables)}).")
        checked_grads, checked_variables = self._checked(grads, trainable_variables)
        self._ensure_built(trainable_variables)   # all of them, even those without gradient
        grads, trainable_variables = checked_grads, checked_variables
        self._step_cache = {}
        try:
            if self.loss_scale_factor is not None:
                grads = [g / tf.cast(self.loss_scale_factor, g.dtype) for g in grads]
            if self.gradient_accumulation_steps:
                self._accumulate_or_update(grads, trainable_variables)
            else:
                self._update(grads, trainable_variables)
            if self.use_ema:
                self._update_moving_averages(self._trainable_variables)
            self._iterations.assign_add(1)
            for variable in trainable_variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
        finally:
            self._step_cache = {}
        return self._iterations

    def _ensure_built(self, variables: list) -> None:
        unknown = [v for v in variables
                   if isinstance(v, tf.Variable) and id(v) not in self._variable_index]
        if not unknown and self.built:
            return
        custom_build = type(self).build is not Optimizer.build
        if self.built and custom_build:
            raise ValueError(
                f"Unknown variable: {unknown[0]}. This optimizer can only be called for the "
                "variables it was originally built with. When working with a new set of "
                "variables, you should recreate a new optimizer instance.")
        with init_scope():
            self.build(variables if custom_build else unknown)

    def _checked(self, grads: list, variables: list) -> tuple[list, list]:
        """Drop pairs without a gradient (all missing -> ValueError) and check every
        gradient's shape before any variable changes."""
        kept_grads, kept_vars, missing = [], [], []
        for grad, variable in zip(grads, variables):
            if not isinstance(variable, tf.Variable):
                raise TypeError(f"Optimizer '{self.name}' can only update tf.Variable objects. "
                                f"Received: {variable!r}")
            if grad is None:
                missing.append(variable.name)
                continue
            if not variable.dtype.is_floating:
                raise TypeError(
                    f"Optimizer '{self.name}' can only update floating-point variables, but "
                    f"variable '{variable.name}' has dtype {variable.dtype.name}. Make it "
                    "non-trainable or leave it out of the variables given to the optimizer.")
            grad = tf.convert_to_tensor(grad)
            if grad.dtype != variable.dtype:
                grad = tf.cast(grad, variable.dtype)
            if not variable.shape.is_compatible_with(grad.shape):
                raise ValueError(
                    f"Optimizer '{self.name}': the gradient for variable '{variable.name}' has "
                    f"shape {grad.shape}, but the variable has shape {variable.shape}. Each "
                    "gradient must have its variable's shape.")
            kept_grads.append(grad)
            kept_vars.append(variable)
        if not kept_grads:
            raise ValueError(f"No gradients provided for any variable: {missing}.")
        if missing:
            _logger.warning(
                "Gradients do not exist for variables %s when minimizing the loss. If you're "
                "using `model.compile()`, did you forget to provide a `loss` argument?", missing)
        return kept_grads, kept_vars

    def _update(self, grads: list, variables: list) -> None:
        """One optimizer step: clip, decay the weights, then update every variable."""
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(variables)
        self._update_all(grads, variables)

    def _accumulate_or_update(self, grads: list, variables: list) -> None:
        """Sum gradients for `gradient_accumulation_steps` calls; on the last one, update with
        their mean and reset the sums (the counter still advances on every call, as Keras)."""
        steps = self.gradient_accumulation_steps
        sums = [self._accumulators[self._get_variable_index(v)] for v in variables]

        def update() -> None:
            self._step_cache = {}   # values made inside this branch stay inside it
            self._update([(g + s) / steps for g, s in zip(grads, sums)], variables)
            for accumulator in self._accumulators:
                accumulator.assign(tf.zeros_like(accumulator))
            self._step_cache = {}

        def accumulate() -> None:
            for grad, accumulator in zip(grads, sums):
                accumulator.assign_add(grad)

        tf.cond(tf.equal((self._iterations + 1) % steps, 0), update, accumulate)

    def _update_all(self, grads: list, variables: list) -> None:
        two_argument = takes_two_arguments(type(self))
        for grad, variable in zip(grads, variables):
            if two_argument:  # tf_keras-style custom optimizers: update_step(gradient, var)
                self.update_step(grad, variable)
            else:
                self.update_step(grad, variable, self._learning_rate_as(variable.dtype))

    def _clip_gradients(self, grads: list) -> list:
        if self.clipnorm is not None and self.clipnorm > 0:
            return [tf.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue is not None and self.clipvalue > 0:
            return [tf.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    # --- weight decay --------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt these variables (or variables whose name contains any of `var_names`,
        as regular expressions) from weight decay. Only before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids |= {id(v) for v in (var_list or [])}
        self._exclude_patterns += list(var_names or [])

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        return not any(re.search(p, variable.name) for p in self._exclude_patterns)

    def _apply_weight_decay(self, variables: list) -> None:
        if not self.weight_decay:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                dtype = variable.dtype
                factor = self._step_value("weight_decay", dtype, lambda dtype=dtype: (
                    self._learning_rate_as(dtype) * self.weight_decay))
                variable.assign_sub(variable * factor)

    # --- moving averages -----------------------------------------------------------------
    def _update_moving_averages(self, variables: list) -> None:
        # The first step copies the variable (momentum 0), later steps average (Keras 3).
        overwrite = None
        if self.ema_overwrite_frequency:
            overwrite = tf.equal((self.iterations + 1) % self.ema_overwrite_frequency, 0)
        for variable in variables:
            average = self._ema_averages[self._get_variable_index(variable)]
            dtype = variable.dtype
            momentum = self._step_value("ema_momentum", dtype, lambda dtype=dtype: (
                tf.cast(tf.not_equal(self.iterations, 0), dtype) * self.ema_momentum))
            average.assign(momentum * average + (1.0 - momentum) * variable)
            if overwrite is not None:
                variable.assign(tf.where(overwrite, average.read_value(),
                                         variable.read_value()))

    def finalize_variable_values(self, var_list) -> None:
        """At the end of training: with `use_ema`, set the variables to their averages."""
        if self.use_ema:
            for variable in var_list:
                index = self._variable_index.get(id(variable))
                if index is not None:
                    variable.assign(self._ema_averages[index])

    # --- losses and gradients ------------------------------------------------------------
    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (unchanged when it is None)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def compute_gradients(self, loss, var_list, tape=None) -> list:
        """(gradient, variable) pairs of `loss` (a callable, or a tensor computed under
        `tape`) with respect to `var_list` (a list or a callable returning one)."""
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss}, tape={tape}.")
        if tape is None:
            tape = tf.GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        elif callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return list(zip(grads, var_list))

    def minimize(self, loss, var_list, tape=None) -> tf.Variable:
        """Compute the gradients of `loss` and apply them; returns `iterations`."""
        return self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    # --- saving --------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The optimizer's arguments as a JSON-safe dict (Keras 3 keys)."""
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            learning_rate = schedules.serialize(rate)
        elif isinstance(rate, tf.Variable):
            learning_rate = float(rate.numpy())
        else:
            learning_rate = float(np.asarray(rate()))
        config = {"name": self.name, "learning_rate": learning_rate,
                  "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                  "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        if self.decay:
            config["decay"] = self.decay
        return config

    def _serialize_hyperparameter(self, value):
        """tf_keras helper for subclasses' get_config: schedules as configs, tensors and
        variables as Python numbers, callables called."""
        if isinstance(value, LearningRateSchedule):
            return schedules.serialize(value)
        if callable(value) and not isinstance(value, tf.Variable):
            value = value()
        if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray, np.generic)):
            return np.asarray(value).item()
        return value

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        """Rebuild an optimizer from `get_config()` output (a schedule config included)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                           custom_objects=custom_objects)
        return cls(**config)

    def get_weights(self) -> list[np.ndarray]:
        """The values of `variables` as NumPy arrays."""
        return [np.array(v.numpy()) for v in self.variables]

    def set_weights(self, weights) -> None:
        """Set `variables` from NumPy arrays (same count, shapes and order)."""
        variables = self.variables
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(
                f"Optimizer '{self.name}' has {len(variables)} variables, but set_weights was "
                f"given {len(weights)} arrays. Build the optimizer first "
                "(`optimizer.build(model.trainable_variables)`) so its slots exist.")
        for variable, value in zip(variables, weights):
            if not variable.shape.is_compatible_with(np.shape(value)):
                raise ValueError(f"Optimizer '{self.name}': cannot set variable "
                                 f"'{variable.name}' of shape {variable.shape} from an array "
                                 f"of shape {np.shape(value)}.")
        for variable, value in zip(variables, weights):
            variable.assign(value)

    def save_own_variables(self, store) -> None:
        """Keras 3 saving: `store["0"], store["1"], ...` = `variables` in order."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Keras 3 loading; skipped with a warning when the counts differ (as Keras)."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            message = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                       f"{len(variables)} variables whereas the saved optimizer has "
                       f"{len(store.keys())} variables. ")
            if len(variables) <= 2:
                message += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(message, stacklevel=2)
            return
        self.set_weights([store[str(i)] for i in range(len(variables))])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
