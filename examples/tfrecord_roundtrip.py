"""A TFRecord round trip: write tf.train.Example records, read them back and train on them.

The TF "TFRecord and tf.train.Example" tutorial pattern on scikit-learn's wine data: each sample
becomes an Example with a float feature vector, an int64 label and a bytes name; the records are
written with tf.io.TFRecordWriter (one plain and one GZIP file), read with TFRecordDataset, batched,
parsed with tf.io.parse_example and fed to fit.
"""

import numpy as np
from sklearn.datasets import load_wine

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

wine = load_wine()
features = ((wine.data - wine.data.mean(axis=0)) / wine.data.std(axis=0)).astype("float32")
labels = wine.target.astype("int64")
order = np.random.default_rng(0).permutation(len(labels))
features, labels = features[order], labels[order]
NUM_FEATURES = features.shape[1]


def make_example(x, y, name):
    feature = {
        "features": tf.train.Feature(float_list=tf.train.FloatList(value=x)),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[y])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[name.encode()])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


with tf.io.TFRecordWriter("train.tfrecord") as writer:
    for i in range(140):
        writer.write(make_example(features[i], labels[i], f"wine-{i}").SerializeToString())
options = tf.io.TFRecordOptions(compression_type="GZIP")
with tf.io.TFRecordWriter("test.tfrecord.gz", options) as writer:
    for i in range(140, len(labels)):
        writer.write(make_example(features[i], labels[i], f"wine-{i}").SerializeToString())

first = next(iter(tf.data.TFRecordDataset("train.tfrecord")))
example = tf.train.Example()
example.ParseFromString(first.numpy())
print("first record name:", example.features.feature["name"].bytes_list.value[0].decode())
print("first record label:", example.features.feature["label"].int64_list.value[0])

feature_spec = {
    "features": tf.io.FixedLenFeature([NUM_FEATURES], tf.float32),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "name": tf.io.FixedLenFeature([], tf.string, default_value=""),
}


def parse_batch(serialized):
    parsed = tf.io.parse_example(serialized, feature_spec)
    return parsed["features"], parsed["label"]


single = tf.io.parse_single_example(first, feature_spec)
print("parsed single:", single["name"].numpy().decode(), single["features"].shape)
print("features survive:", bool(np.allclose(single["features"].numpy(), features[0])))

train_ds = (tf.data.TFRecordDataset("train.tfrecord").shuffle(140, seed=0)
            .batch(16).map(parse_batch))
test_ds = tf.data.TFRecordDataset("test.tfrecord.gz", compression_type="GZIP").batch(16) \
    .map(parse_batch)
print("train records:", sum(1 for _ in tf.data.TFRecordDataset("train.tfrecord")))
print("test records:", int(test_ds.unbatch().reduce(0, lambda count, _: count + 1)))

model = tf.keras.Sequential([
    tf.keras.Input(shape=(NUM_FEATURES,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(train_ds, epochs=10, verbose=0)
test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
