"""Embedding vectors stored as bytes and compared by cosine, with no vector extension.

Neither pgvector nor sqlite-vec is available where Steward runs (no extension on the local
PostgreSQL, no extension loading in this Python's sqlite3), so a vector is kept as plain bytes
in an ordinary column and the nearest ones are found by brute force in memory. Vectors are
normalised to unit length before they are packed, so a cosine is a dot product and a community's
vectors stacked in one matrix are scored by a single matrix-vector product.

Cost of the brute force: one multiply-add per dimension per stored vector, and the matrix held
in memory (4 bytes a dimension). At 1,536 dimensions (OpenAI's text-embedding-3-small) that is
6 KB a passage: 100,000 passages make a 614 MB matrix, 1,000,000 make 6 GB, which is past what
a bot should hold; see docs/knowledge/hybrid.md for the measured times and the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Little-endian float32, whatever the machine: the bytes move between databases and replicas.
DTYPE = np.dtype("<f4")

Vector = npt.NDArray[np.float32]


def normalise(values: Sequence[float] | Vector) -> Vector:
    """The vector scaled to unit length; a zero vector stays zero (it is near nothing)."""
    vector = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm):
        raise ValueError("the vector holds a value that is not a finite number")
    return vector if norm == 0.0 else vector / np.float32(norm)


def pack(values: Sequence[float] | Vector) -> bytes:
    """The normalised vector as little-endian float32 bytes, for a binary column."""
    return normalise(values).astype(DTYPE).tobytes()


def unpack(data: bytes, dims: int | None = None) -> Vector:
    """The vector `pack` stored; `dims`, when given, is checked against the bytes."""
    if len(data) % DTYPE.itemsize:
        raise ValueError(f"{len(data)} bytes are not a whole number of float32 values")
    vector = np.frombuffer(data, dtype=DTYPE).astype(np.float32)
    if dims is not None and vector.shape[0] != dims:
        raise ValueError(f"expected {dims} dimensions, the bytes hold {vector.shape[0]}")
    return vector


@dataclass(frozen=True)
class Neighbour:
    index: int  # the row in the matrix
    score: float  # the cosine, -1 to 1


class VectorMatrix:
    """Vectors of one dimension stacked as rows, each with its key, for nearest-neighbour
    search by cosine. Build it once and reuse it: stacking is the costly part."""

    def __init__(self, keys: Sequence[str], rows: Sequence[bytes], dims: int) -> None:
        if len(keys) != len(rows):
            raise ValueError("one key per row")
        self.keys = tuple(keys)
        self.dims = dims
        size = dims * DTYPE.itemsize
        if any(len(data) != size for data in rows):
            raise ValueError(f"every row must hold {dims} float32 values")
        # One copy of all the bytes, read as one array: no per-row work.
        joined = b"".join(rows)
        self._matrix = (
            np.frombuffer(joined, dtype=DTYPE).reshape(len(rows), dims).astype(np.float32)
        )

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        return int(self._matrix.nbytes)

    def nearest(self, query: Sequence[float] | Vector, limit: int) -> list[Neighbour]:
        """The `limit` rows nearest the query, nearest first (ties by row order)."""
        return top_k(self._matrix, normalise(query), limit)


def top_k(matrix: npt.NDArray[np.float32], query: Vector, limit: int) -> list[Neighbour]:
    """Rows of a matrix of unit vectors by cosine to the unit `query`, best `limit` first."""
    if limit <= 0 or matrix.shape[0] == 0:
        return []
    if query.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"the query has {query.shape[0]} dimensions, the vectors {matrix.shape[1]}"
        )
    scores = matrix @ query
    if limit < scores.shape[0]:
        # The top `limit` in any order in O(n), then only those sorted.
        candidates = np.argpartition(-scores, limit - 1)[:limit]
    else:
        candidates = np.arange(scores.shape[0])
    ordered = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [Neighbour(int(i), float(scores[i])) for i in ordered]
