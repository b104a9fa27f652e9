"""Physics with GradientTape: forces, Hessians, Jacobians and a fitted spring constant.

The TF "advanced automatic differentiation" guide pattern: nested tapes give the force (minus the
gradient of the potential) and the curvature (second derivative); tape.jacobian and batch_jacobian
give the Jacobian of a vector field; a tf.function trains the spring constant and damping of an
oscillator so that a simulated trajectory (semi-implicit Euler in a tf.while loop) matches an
observed one.
"""

import numpy as np

import eagerflow as tf

# 1. Anharmonic potential U(x) = k x^2 / 2 + a x^4 / 4: force = -U'(x), curvature = U''(x).
k, a = 2.0, 0.5
x = tf.Variable([-1.0, 0.0, 0.5, 2.0])
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        potential = 0.5 * k * x ** 2 + 0.25 * a * x ** 4
    force = -inner.gradient(potential, x)
curvature = -outer.gradient(force, x)
xs = x.numpy()
print("force:", np.round(force.numpy(), 4).tolist())
print("force exact:", bool(np.allclose(force.numpy(), -(k * xs + a * xs ** 3))))
print("curvature exact:", bool(np.allclose(curvature.numpy(), k + 3 * a * xs ** 2)))

# 2. Jacobian of the pendulum vector field f(theta, omega) = (omega, -g/L sin(theta)).
g_over_l = 9.81


def pendulum_field(state):
    theta, omega = state[..., 0], state[..., 1]
    return tf.stack([omega, -g_over_l * tf.sin(theta)], axis=-1)


state = tf.constant([0.3, -0.2])
with tf.GradientTape() as tape:
    tape.watch(state)
    field = pendulum_field(state)
jacobian = tape.jacobian(field, state)
expected = np.array([[0.0, 1.0], [-g_over_l * np.cos(0.3), 0.0]])
print("jacobian:", np.round(jacobian.numpy(), 4).tolist())
print("jacobian exact:", bool(np.allclose(jacobian.numpy(), expected, atol=1e-6)))

states = tf.constant([[0.0, 0.0], [0.3, -0.2], [1.0, 2.0]])
with tf.GradientTape() as tape:
    tape.watch(states)
    fields = pendulum_field(states)
batch_jacobian = tape.batch_jacobian(fields, states)
print("batch jacobian shape:", tuple(batch_jacobian.shape))
print("batch jacobian [1] matches:", bool(np.allclose(batch_jacobian[1].numpy(), expected,
                                                      atol=1e-6)))


@tf.function
def curvature_fn(x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            potential = 0.5 * k * x ** 2 + 0.25 * a * x ** 4
        slope = inner.gradient(potential, x)
    return outer.gradient(slope, x)


print("tf.function curvature matches:",
      bool(np.allclose(curvature_fn(tf.constant(xs)).numpy(), curvature.numpy())))

# 3. Fit spring constant and damping of a damped oscillator to an observed trajectory.
DT, STEPS = 0.05, 60


def simulate(stiffness, damping):
    position, velocity = tf.constant(1.0), tf.constant(0.0)
    positions = tf.TensorArray(tf.float32, size=STEPS)
    for step in tf.range(STEPS):
        velocity = velocity + DT * (-stiffness * position - damping * velocity)
        position = position + DT * velocity
        positions = positions.write(step, position)
    return positions.stack()


observed = simulate(tf.constant(4.0), tf.constant(0.3))
stiffness = tf.Variable(2.0)
damping = tf.Variable(0.0)
optimizer = tf.keras.optimizers.Adam(0.05)


@tf.function
def train_step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.function(simulate)(stiffness, damping) - observed) ** 2)
    gradients = tape.gradient(loss, [stiffness, damping])
    optimizer.apply_gradients(zip(gradients, [stiffness, damping]))
    return loss


for _ in range(300):
    loss = train_step()
print(f"fitted stiffness: {float(stiffness.numpy()):.3f}")
print(f"fitted damping: {float(damping.numpy()):.3f}")
print(f"final trajectory loss: {float(loss):.2e}")
