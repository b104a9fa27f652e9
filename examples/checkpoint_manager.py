"""tf.train.Checkpoint and CheckpointManager in a custom training loop, then restored into a
fresh model and optimizer that continue training where the first run stopped.

The TF 2 guide "Training checkpoints" (without the dataset iterator in the checkpoint), run
twice: the second run resumes from the latest checkpoint.
"""

import os

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)


class Net(tf.keras.Model):
    """A simple linear model."""

    def __init__(self):
        super().__init__()
        self.l1 = tf.keras.layers.Dense(5)

    def call(self, x):
        return self.l1(x)


def toy_dataset():
    inputs = tf.range(10.)[:, None]
    labels = inputs * 5. + tf.range(5.)[None, :]
    return tf.data.Dataset.from_tensor_slices(
        dict(x=inputs, y=labels)).repeat().batch(2)


def train_step(net, example, optimizer):
    """Trains `net` on `example` using `optimizer`."""
    with tf.GradientTape() as tape:
        output = net(example['x'])
        loss = tf.reduce_mean(tf.abs(output - example['y']))
    variables = net.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


def train_and_checkpoint(net, manager):
    ckpt.restore(manager.latest_checkpoint)
    if manager.latest_checkpoint:
        print(f"Restored from {manager.latest_checkpoint}")
    else:
        print("Initializing from scratch.")

    for _ in range(50):
        example = next(iterator)
        loss = train_step(net, example, opt)
        ckpt.step.assign_add(1)
        if int(ckpt.step) % 10 == 0:
            save_path = manager.save()
            print(f"Saved checkpoint for step {int(ckpt.step)}: {save_path}")
            print(f"loss {loss.numpy():1.2f}")


opt = tf.keras.optimizers.Adam(0.1)
net = Net()
dataset = toy_dataset()
iterator = iter(dataset)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
manager = tf.train.CheckpointManager(ckpt, './tf_ckpts', max_to_keep=3)
train_and_checkpoint(net, manager)
saved_kernel = tf.train.load_checkpoint(manager.latest_checkpoint).get_tensor(
    "net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE")
first_run_iterations = int(opt.iterations.numpy())

# A fresh model and optimizer: restore the latest checkpoint and continue training.
opt = tf.keras.optimizers.Adam(0.1)
net = Net()
dataset = toy_dataset()
iterator = iter(dataset)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
manager = tf.train.CheckpointManager(ckpt, './tf_ckpts', max_to_keep=3)
status = ckpt.restore(manager.latest_checkpoint)
net(tf.zeros([1, 1]))  # build the model: restoration of its variables was deferred until now
print("restored step:", int(ckpt.step))
print("restored kernel equals saved kernel:", bool(np.array_equal(net.l1.kernel.numpy(),
                                                                   saved_kernel)))
train_and_checkpoint(net, manager)
print("optimizer iterations:", first_run_iterations, int(opt.iterations.numpy()))

print("checkpoints:", [os.path.basename(path) for path in manager.checkpoints])
print("files:", sorted(os.listdir("tf_ckpts")))
reader = tf.train.load_checkpoint("./tf_ckpts/")
shape_from_key = reader.get_variable_to_shape_map()
print("saved keys:", sorted(key for key in shape_from_key if not key.startswith("_CHECKPOINT")))
print("saved step:", int(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")))
