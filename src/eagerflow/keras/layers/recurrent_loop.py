"""The time loop of recurrent layers: a Python loop when running eagerly (or unrolled), a
`tf.while_loop` over TensorArrays when traced; masked steps keep the previous states."""

from __future__ import annotations

import eagerflow as tf

__all__: list = []  # internal: used by keras.layers.recurrent

# Traced loops over at most this many (static) steps are unrolled. Longer ones run as a
# tf.while_loop, whose gradient reads each step's saved values: within ~10% of the unrolled
# speed at 8-32 steps and faster beyond, with a graph that does not grow with the length
# (benchmarks/while_gradient.py).
AUTO_UNROLL_MAX_STEPS = 8


def time_loop(step, inputs, states: list, mask=None, output_size=None,
              zero_output_for_mask: bool = False, return_sequences: bool = True,
              unroll: bool = False):
    """Run `output, states = step(inputs[t], states)` for t over axis 0 of time-major `inputs`.

    Eagerly, with `unroll`, or for a short static length this is a Python loop; otherwise a
    `tf.while_loop` over TensorArrays.

    `mask` ([time, batch] bool) keeps the previous states where it is False, and the output
    there is the previous output (zeros with `zero_output_for_mask`). Returns
    `(last_output, outputs [time, batch, ...] or None, final_states)`.
    """
    steps = inputs.shape[0]
    short = steps is not None and steps <= AUTO_UNROLL_MAX_STEPS
    if tf.executing_eagerly() or unroll or short:
        if steps is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. Either "
                             "use `unroll=False` or give the inputs a static time dimension "
                             f"(received inputs of shape {inputs.shape}).")
        return _python_loop(step, inputs, states, mask, zero_output_for_mask,
                            return_sequences)
    return _graph_loop(step, inputs, states, mask, output_size, zero_output_for_mask,
                       return_sequences)


def _masked(mask_t, new_values: list, old_values: list) -> list:
    keep = tf.expand_dims(mask_t, -1)
    return [tf.where(keep, new, old) for new, old in zip(new_values, old_values)]


def _python_loop(step, inputs, states, mask, zero_output_for_mask, return_sequences):
    step_inputs = tf.unstack(inputs, axis=0)
    step_masks = tf.unstack(mask, axis=0) if mask is not None else None
    outputs, previous = [], None
    for t, x_t in enumerate(step_inputs):
        output, new_states = step(x_t, states)
        if step_masks is not None:
            if previous is None or zero_output_for_mask:
                previous = tf.zeros_like(output)
            new_states = _masked(step_masks[t], new_states, states)
            output = _masked(step_masks[t], [output], [previous])[0]
        states, previous = new_states, output
        if return_sequences:
            outputs.append(output)
    sequence = tf.stack(outputs, axis=0) if return_sequences else None
    return previous, sequence, states


def _zero_output(step, input_array, states, output_size):
    """Zeros shaped like one step's output: the "previous output" before the first step."""
    if isinstance(output_size, int) and states:
        batch = states[0].shape[0]
        if batch is None:
            zeros = tf.zeros(tf.stack([tf.shape(states[0])[0], output_size]), states[0].dtype)
            return tf.ensure_shape(zeros, [None, output_size])
        return tf.zeros([batch, output_size], states[0].dtype)
    first_output, _ = step(input_array.read(0), states)  # only to learn the output's shape
    return tf.zeros_like(first_output)


def _graph_loop(step, inputs, states, mask, output_size, zero_output_for_mask,
                return_sequences):
    steps = inputs.shape[0]
    if steps is None:
        steps = tf.shape(inputs)[0]
    input_array = tf.TensorArray(inputs.dtype, size=steps,
                                 element_shape=inputs.shape[1:]).unstack(inputs)
    mask_array = (tf.TensorArray(tf.bool, size=steps, element_shape=mask.shape[1:]).unstack(
        mask) if mask is not None else None)
    zeros = _zero_output(step, input_array, states, output_size)
    output_array = (tf.TensorArray(inputs.dtype, size=steps, element_shape=zeros.shape)
                    if return_sequences else None)
    count = len(states)

    def body(t, previous, outputs, *loop_states):
        loop_states = list(loop_states)
        output, new_states = step(input_array.read(t), loop_states)
        if mask_array is not None:
            mask_t = mask_array.read(t)
            new_states = _masked(mask_t, new_states, loop_states)
            base = zeros if zero_output_for_mask else previous
            output = _masked(mask_t, [output], [base])[0]
        if outputs is not None:
            outputs = outputs.write(t, output)
        return (t + 1, output, outputs, *new_states)

    def condition(t, *unused):
        return t < steps

    if output_array is None:
        def body_no_outputs(t, previous, *loop_states):
            result = body(t, previous, None, *loop_states)
            return (result[0], result[1], *result[3:])

        result = tf.while_loop(condition, body_no_outputs,
                               [tf.constant(0), zeros, *states])
        return result[1], None, list(result[2:2 + count])
    result = tf.while_loop(condition, body, [tf.constant(0), zeros, output_array, *states])
    sequence = result[2].stack()
    if isinstance(steps, int):  # keep the static time length the loop ran for
        sequence = tf.ensure_shape(sequence, [steps] + sequence.shape.as_list()[1:])
    return result[1], sequence, list(result[3:3 + count])
