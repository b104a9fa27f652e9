"""Make the `.keras` fixture with adapted lookup vocabularies (kept in `assets/`).

Run with real Keras 3 (the scratch venv): /tmp/tfvenv/bin/python make_asset_fixtures.py
Writes lookups_keras3.keras and lookups_keras3_outputs.npz next to this script.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = np.array(["the cat ran", "zebra", "The dog sat, a cat!"])
WORDS = np.array([["c"], ["q"], ["a"]])
NUMBERS = np.array([[7], [3], [99]], dtype="int64")


def main() -> None:
    words = keras.layers.StringLookup(name="words")
    words.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    text = keras.layers.TextVectorization(max_tokens=10, output_mode="int",
                                          output_sequence_length=4, name="text_vec")
    text.adapt(np.array(["the cat sat", "the dog ran", "a cat"]))
    numbers = keras.layers.IntegerLookup(name="numbers")
    numbers.adapt(np.array([3, 3, 7, 9]))
    text_in = keras.Input(shape=(), dtype="string", name="text")
    word_in = keras.Input(shape=(1,), dtype="string", name="word")
    number_in = keras.Input(shape=(1,), dtype="int64", name="number")
    model = keras.Model([text_in, word_in, number_in],
                        [text(text_in), words(word_in), numbers(number_in)])
    model.save(os.path.join(HERE, "lookups_keras3.keras"))
    outputs = model([TEXTS, WORDS, NUMBERS])
    np.savez(os.path.join(HERE, "lookups_keras3_outputs.npz"), texts=TEXTS, words=WORDS,
             numbers=NUMBERS, **{f"out{i}": np.asarray(o) for i, o in enumerate(outputs)})


if __name__ == "__main__":
    main()
