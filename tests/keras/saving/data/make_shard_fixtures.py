"""Make the sharded-weights fixture (`sharded/w.weights.json` + shards) with real Keras 3.

Run with the scratch venv: /tmp/tfvenv/bin/python make_shard_fixtures.py
Writes sharded/ (index and shards of a small trained model) and sharded_outputs.npz.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(4)])
    model.compile("adam", "mse")
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    model.fit(x, np.ones((4, 4)), epochs=2, verbose=0)
    os.makedirs(os.path.join(HERE, "sharded"), exist_ok=True)
    # 200 bytes per shard: the 96-byte kernels and their Adam slots spread over many shards.
    model.save_weights(os.path.join(HERE, "sharded", "w.weights.json"),
                       max_shard_size=200 / 2**30)
    np.savez(os.path.join(HERE, "sharded_outputs.npz"), x=x, y=model.predict(x, verbose=0),
             iterations=int(model.optimizer.iterations))


if __name__ == "__main__":
    main()
