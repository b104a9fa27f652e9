"""The seed's AutoGraph example, unchanged apart from the import line."""

import eagerflow as tf


def linear_layer(x):
  return 3 * x + 2

@tf.function
def simple_nn(x):
  return tf.nn.relu(linear_layer(x))

def simple_function(x):
    return 3*x


if __name__ == "__main__":
    x = tf.constant([[-2.0, 0.5], [1.0, 4.0]])
    print("simple_nn:", simple_nn(x).numpy().tolist())
    print("simple_function:", simple_function(x).numpy().tolist())
    print("what tf.function generated for simple_nn:")
    print(simple_nn.get_concrete_function(x).python_source)
