"""Vectors as bytes and the brute-force cosine search over them."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.vectors import VectorMatrix, normalise, pack, top_k, unpack


def test_a_packed_vector_comes_back_normalised_as_little_endian_float32() -> None:
    data = pack([3.0, 4.0])
    assert data == np.array([0.6, 0.8], dtype="<f4").tobytes()
    assert unpack(data, 2).tolist() == pytest.approx([0.6, 0.8])


def test_a_zero_vector_stays_zero_and_broken_values_are_refused() -> None:
    assert normalise([0.0, 0.0]).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="finite"):
        normalise([float("nan"), 1.0])
    with pytest.raises(ValueError, match="whole number"):
        unpack(b"\x00\x00\x00")
    with pytest.raises(ValueError, match="expected 3 dimensions"):
        unpack(pack([1.0, 0.0]), 3)


def test_nearest_ranks_by_cosine_not_by_length() -> None:
    rows = {
        "same direction, long": [10.0, 0.0, 0.0],
        "close": [0.9, 0.1, 0.0],
        "orthogonal": [0.0, 1.0, 0.0],
        "opposite": [-1.0, 0.0, 0.0],
    }
    matrix = VectorMatrix(list(rows), [pack(v) for v in rows.values()], 3)
    found = matrix.nearest([2.0, 0.0, 0.0], limit=3)
    assert [matrix.keys[n.index] for n in found] == ["same direction, long", "close", "orthogonal"]
    assert found[0].score == pytest.approx(1.0)
    assert found[2].score == pytest.approx(0.0)
    assert len(matrix.nearest([1.0, 0.0, 0.0], limit=10)) == 4


def test_top_k_matches_a_full_sort_on_random_vectors() -> None:
    generator = np.random.default_rng(7)
    matrix = np.stack([normalise(v) for v in generator.normal(size=(500, 16))])
    query = normalise(generator.normal(size=16))
    expected = np.argsort(-(matrix @ query))[:10].tolist()
    assert [n.index for n in top_k(matrix, query, 10)] == expected


def test_a_query_of_another_size_is_refused() -> None:
    matrix = VectorMatrix(["a"], [pack([1.0, 0.0])], 2)
    with pytest.raises(ValueError, match="3 dimensions"):
        matrix.nearest([1.0, 0.0, 0.0], 1)
    assert VectorMatrix([], [], 2).nearest([1.0, 0.0], 5) == []
