"""Hostile NetCDF files, built by the tests (issue 12's fuzz set): the 80-byte classic header that
declares 2^31 dimensions, truncations and seeded mutations of a real small file, and a NetCDF-4 file
whose chunks are absurd (its HDF5 checksums recomputed, so that the library accepts it as it is).

Every builder is bounded and seeded: the same files on every run."""

from __future__ import annotations

import random
import struct
from pathlib import Path

CLASSIC_DIMENSION_TAG = 0x0A
CLASSIC_VARIABLE_TAG = 0x0B
CLASSIC_ATTRIBUTE_TAG = 0x0C


def header_bomb(*, dimensions: int = 2**31) -> bytes:
    """A CDF-1 header declaring `dimensions` dimensions, in 80 bytes: the netCDF library allocates
    for all of them before it reads any (22 GB seen before Estran read files in a child process)."""
    head = b"CDF\x01" + struct.pack(">III", 0, CLASSIC_DIMENSION_TAG, dimensions)
    return head + b"\0" * (80 - len(head))


def list_bomb(tag: int, count: int = 2**31) -> bytes:
    """A CDF-1 header with no dimensions (and no global attributes) and a list of `count` global
    attributes or variables, in 80 bytes."""
    absent = struct.pack(">II", 0, 0)
    if tag == CLASSIC_ATTRIBUTE_TAG:
        head = b"CDF\x01" + struct.pack(">I", 0) + absent + struct.pack(">II", tag, count)
    else:
        head = b"CDF\x01" + struct.pack(">I", 0) + absent + absent + struct.pack(">II", tag, count)
    return head + b"\0" * (80 - len(head))


def truncations(data: bytes, *, seed: int, count: int, first: int) -> list[tuple[int, bytes]]:
    """`count` distinct seeded cuts of `data` between byte `first` and its last four bytes:
    [(length kept, bytes)]."""
    cuts = sorted(random.Random(seed).sample(range(first, len(data) - 4), count))
    return [(cut, data[:cut]) for cut in cuts]


def name_length_offsets(data: bytes, names: set[str]) -> list[int]:
    """Where a classic header gives the length of one of `names` (the 4 bytes before the name):
    found from the names alone, not by parsing the header as Estran does."""
    offsets = set()
    for name in names:
        encoded = name.encode()
        needle = struct.pack(">I", len(encoded)) + encoded
        start = data.find(needle)
        while start != -1:
            offsets.add(start)
            start = data.find(needle, start + 1)
    return sorted(offsets)


def length_mutations(data: bytes, offsets: list[int], *, seed: int, count: int) -> list[tuple[int, int, bytes]]:
    """`count` seeded mutations, each writing an absurd length (above netCDF's NC_MAX_NAME of 256,
    up to 2^32 - 1) at one of `offsets`: [(offset, value, bytes)]."""
    rng = random.Random(seed)
    out = []
    for offset in rng.sample(offsets, min(count, len(offsets))):
        value = rng.choice([257, 0x10000, len(data) * 1000, 2**31 - 1, 2**31, 2**32 - 1])
        mutated = bytearray(data)
        mutated[offset : offset + 4] = struct.pack(">I", value)
        out.append((offset, value, bytes(mutated)))
    return out


def byte_flips(data: bytes, *, seed: int, count: int, within: int) -> list[bytes]:
    """`count` copies of `data`, each with 1 to 4 seeded bytes of its first `within` replaced."""
    rng = random.Random(seed)
    out = []
    for _i in range(count):
        mutated = bytearray(data)
        for _j in range(rng.randint(1, 4)):
            mutated[rng.randrange(4, within)] = rng.randrange(256)
        out.append(bytes(mutated))
    return out


# --- NetCDF-4 with absurd chunking -----------------------------------------------------------------

M32 = 0xFFFFFFFF


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    a = ((a - c) & M32) ^ _rot(c, 4)
    c = (c + b) & M32
    b = ((b - a) & M32) ^ _rot(a, 6)
    a = (a + c) & M32
    c = ((c - b) & M32) ^ _rot(b, 8)
    b = (b + a) & M32
    a = ((a - c) & M32) ^ _rot(c, 16)
    c = (c + b) & M32
    b = ((b - a) & M32) ^ _rot(a, 19)
    a = (a + c) & M32
    c = ((c - b) & M32) ^ _rot(b, 4)
    b = (b + a) & M32
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    c = ((c ^ b) - _rot(b, 14)) & M32
    a = ((a ^ c) - _rot(c, 11)) & M32
    b = ((b ^ a) - _rot(a, 25)) & M32
    c = ((c ^ b) - _rot(b, 16)) & M32
    a = ((a ^ c) - _rot(c, 4)) & M32
    b = ((b ^ a) - _rot(a, 14)) & M32
    return ((c ^ b) - _rot(b, 24)) & M32


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 `hashlittle`, the checksum of HDF5's metadata (H5_checksum_lookup3)."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & M32
    i = 0
    while length > 12:
        words = [int.from_bytes(data[i + k : i + k + 4], "little") for k in (0, 4, 8)]
        a, b, c = _mix((a + words[0]) & M32, (b + words[1]) & M32, (c + words[2]) & M32)
        i += 12
        length -= 12
    if length == 0:
        return c
    tail = data[i:] + b"\0" * (12 - length)
    words = [int.from_bytes(tail[k : k + 4], "little") for k in (0, 4, 8)]
    return _final((a + words[0]) & M32, (b + words[1]) & M32, (c + words[2]) & M32)


def _checksummed_block(data: bytes, position: int) -> tuple[int, int]:
    """The object-header block (OHDR or OCHK) holding byte `position`: its start, and where its
    checksum is (the 4 bytes after the block, whose lookup3 they hold)."""
    start = max(s for s in (data.rfind(b"OHDR", 0, position), data.rfind(b"OCHK", 0, position)))
    assert start >= 0, "no HDF5 object header before the layout message"
    for end in range(position + 8, min(len(data) - 3, position + 4096)):
        if lookup3(data[start:end]) == int.from_bytes(data[end : end + 4], "little"):
            return start, end
    raise AssertionError("the object header's checksum was not found")


def absurd_chunking(folder: Path, *, chunk: int = 2**29 - 1) -> bytes:
    """A NetCDF-4 file of 10 latitudes and longitudes along an unlimited dimension, whose chunks say
    `chunk` doubles (4 GiB: reading one value would decompress that much). Written with chunks of 5,
    then the chunk size in each layout message is rewritten and the headers' checksums recomputed."""
    import warnings

    import numpy as np

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="numpy.ndarray size changed", category=RuntimeWarning)
        import netCDF4

    path = Path(folder) / "chunks.nc"
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", None)
        for name, units, values in (
            ("lat", "degrees_north", np.linspace(43.5, 48, 10)),
            ("lon", "degrees_east", np.linspace(-6, -1, 10)),
        ):
            var = ds.createVariable(name, "f8", ("time",), chunksizes=(5,), zlib=True)
            var.units = units
            var[:] = values
    data = bytearray(path.read_bytes())
    layout = struct.pack("<II", 5, 8)  # chunk dimension 5, then the element size, 8 bytes
    offsets = [i for i in range(len(data)) if data.startswith(layout, i)]
    assert len(offsets) == 2, offsets
    blocks = {_checksummed_block(bytes(data), offset) for offset in offsets}
    for offset in offsets:
        data[offset : offset + 4] = struct.pack("<I", chunk)
    for start, end in blocks:
        data[end : end + 4] = struct.pack("<I", lookup3(bytes(data[start:end])))
    return bytes(data)
