"""The seed's Dataset library walk-through: create, transform, iterate."""

import numpy as np

import eagerflow as tf

features = np.arange(20, dtype=np.float32).reshape(10, 2)
labels = np.arange(10, dtype=np.int32)

# Creation
sliced = tf.data.Dataset.from_tensor_slices((features, labels))   # one element per row
whole = tf.data.Dataset.from_tensors(features)                    # one element: the array
generated = tf.data.Dataset.from_generator(
    lambda: (np.full([i], i, np.int32) for i in range(1, 4)),
    output_signature=tf.TensorSpec(shape=[None], dtype=tf.int32))

# Transformation
dataset = (sliced.shuffle(10, seed=0)
           .map(lambda x, y: (x * 2.0, y))
           .filter(lambda x, y: y % 2 == 0)
           .repeat(2)
           .batch(3))

# Iteration
iterator = iter(dataset)
next_batch = iterator.get_next()

if __name__ == "__main__":
    print("from_tensor_slices:", sliced.element_spec)
    print("from_tensors:", whole.element_spec, "cardinality", int(whole.cardinality()))
    print("from_generator:", [x.tolist() for x in generated.as_numpy_iterator()])
    print("first batch:", next_batch[0].numpy().tolist(), next_batch[1].numpy().tolist())
    print("all label batches:", [y.tolist() for _, y in dataset.as_numpy_iterator()])
