"""Reading untrusted files in a child process (repository/sandbox.py): the reader's answer comes
back; a reader that asks for too much memory, CPU or wall-clock time, or dies, ends as Unreadable
while this process carries on unharmed. The header check (repository/netcdf.py) refuses the 80-byte
"2^31 dimensions" bomb, its cousins, truncated files and absurd chunks before the library reads
them; and the library alone, given the bomb, fails inside the limits."""

from __future__ import annotations

import os
import time

import pytest
from django.utils import translation

from repository import netcdf
from repository.netcdf import NotNetCDF
from repository.sandbox import Unreadable, run_isolated
from tests.repository import hostile_netcdf as hostile
from tests.repository.test_netcdf import ncgen, real_file  # noqa: F401 - fixtures

HOSTILE = "tests.repository.hostile_readers"
MiB = 1024 * 1024


def peak_memory_kib(pid: int | str = "self") -> int:
    """VmHWM: the most resident memory the process has ever held."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


@pytest.fixture
def limits(settings):
    """Tighter limits than production's, so that the tests ask little of a shared machine."""
    settings.FILE_PARSE_MEMORY_LIMIT = 512 * MiB
    settings.FILE_PARSE_CPU_SECONDS = 5
    settings.FILE_PARSE_TIMEOUT_SECONDS = 30
    return settings


@pytest.fixture
def bomb(tmp_path):
    path = tmp_path / "bomb.nc"
    path.write_bytes(hostile.header_bomb())
    return path


# --- The child's answer ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["classic", "64-bit offset", "64-bit data", "nc4"])
def test_a_real_header_read_in_the_child_is_the_one_read_here(real_file, limits, kind):
    path = real_file("kibesillah", kind)
    answer = run_isolated("repository.netcdf:read_header", path)
    assert answer == netcdf.read_header(path)
    assert [v["name"] for v in answer["variables"]][:3] == ["feature_type_instance", "latitude", "longitude"]
    assert [(d["name"], d["size"]) for d in answer["dimensions"]] == [("maxStrlen64", 64), ("time", 14)]


def test_the_child_gets_no_secret_from_the_environment(limits, monkeypatch, tmp_path):
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("DATACITE_PASSWORD", "do-not-leak")
    names = run_isolated(f"{HOSTILE}:environment", tmp_path)
    assert "S3_SECRET_ACCESS_KEY" not in names and "DATACITE_PASSWORD" not in names
    assert "DATABASE_URL" not in names and "SECRET_KEY" not in names
    assert "PYTHONPATH" in names


def test_the_child_speaks_the_callers_language(limits, tmp_path):
    with translation.override("fr"):
        assert (
            run_isolated(f"{HOSTILE}:translated", tmp_path) == "Ce fichier ne peut pas être lu comme un fichier NetCDF."
        )


# --- What the child cannot do to this process --------------------------------------------------------


def test_the_library_itself_on_the_header_bomb_fails_inside_the_memory_limit(bomb, limits):
    before = peak_memory_kib()
    with pytest.raises(Unreadable) as failed:
        run_isolated(f"{HOSTILE}:open_without_checks", bomb)
    assert failed.value.reason == "refused"
    assert "Memory allocation" in failed.value.detail  # netCDF's NC_ENOMEM, not 22 GB
    assert peak_memory_kib() - before < 50 * 1024


def test_a_reader_asking_for_8_gib_ends_out_of_memory(limits, tmp_path):
    with pytest.raises(Unreadable) as failed:
        run_isolated(f"{HOSTILE}:allocate", tmp_path)
    assert failed.value.reason == "memory"


def test_a_reader_burning_cpu_is_stopped_at_the_cpu_limit(limits, tmp_path):
    limits.FILE_PARSE_CPU_SECONDS = 2  # the child's own start-up takes about half a second
    started = time.monotonic()
    with pytest.raises(Unreadable) as failed:
        run_isolated(f"{HOSTILE}:spin", tmp_path)
    assert failed.value.reason == "time"
    assert time.monotonic() - started < limits.FILE_PARSE_TIMEOUT_SECONDS


def test_a_reader_that_never_answers_is_killed_at_the_timeout_and_leaves_no_process(limits, tmp_path):
    # Long enough for the child to start and write its pid on a busy machine (it takes under one).
    limits.FILE_PARSE_TIMEOUT_SECONDS = 5
    path = tmp_path / "stuck.nc"
    path.write_bytes(b"")
    started = time.monotonic()
    with pytest.raises(Unreadable) as failed:
        run_isolated(f"{HOSTILE}:sleep", path)
    assert failed.value.reason == "time"
    assert 5 <= time.monotonic() - started < 25
    pid = int(path.with_suffix(".pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_reader_that_aborts_is_a_crash_not_an_exception_here(limits, tmp_path):
    with pytest.raises(Unreadable) as failed:
        run_isolated(f"{HOSTILE}:abort", tmp_path)
    assert failed.value.reason == "crashed"


# --- The header check ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["classic", "64-bit offset", "64-bit data", "nc4"])
@pytest.mark.parametrize("name", ["kibesillah", "ru07-20130824T170228_rt0", "sp041", "index_ragged", "swan"])
def test_real_files_pass_the_header_check(real_file, name, kind):
    netcdf.check_header(real_file(name, kind))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (hostile.header_bomb(), "declares 2147483648 dimensions in a file of 80 bytes"),
        (hostile.header_bomb(dimensions=2**32 - 1), "declares 4294967295 dimensions"),
        (hostile.list_bomb(hostile.CLASSIC_ATTRIBUTE_TAG), "declares 2147483648 attributes"),
        (hostile.list_bomb(hostile.CLASSIC_VARIABLE_TAG), "declares 2147483648 variables"),
        (
            b"CDF\x05" + (0).to_bytes(8, "big") + (0x0A).to_bytes(4, "big") + (2**62).to_bytes(8, "big") + b"\0" * 56,
            "declares 4611686018427387904 dimensions",
        ),
        (
            b"CDF\x01" + b"\0" * 4 + bytes.fromhex("0000000a00000001") + (2**31).to_bytes(4, "big") + b"\0" * 60,
            "a name of 2147483648 bytes",
        ),
        (b"\x89HDF\r\n\x1a\n\x09" + b"\0" * 71, "HDF5 superblock version 9"),
        (b"GRIB" + b"\0" * 76, "no NetCDF signature"),
    ],
    ids=[
        "dimensions",
        "dimensions-2^32",
        "attributes",
        "variables",
        "cdf5-dimensions",
        "name-length",
        "hdf5-version",
        "not-netcdf",
    ],
)
def test_a_header_that_cannot_be_honest_is_refused_before_the_library_reads_it(tmp_path, data, message):
    path = tmp_path / "hostile.nc"
    path.write_bytes(data)
    with pytest.raises(NotNetCDF, match=message):
        netcdf.check_header(path)


@pytest.mark.parametrize("kind", ["classic", "64-bit data"])
def test_a_classic_file_cut_anywhere_is_refused(real_file, tmp_path, kind):
    data = real_file("kibesillah", kind).read_bytes()
    for cut, truncated in hostile.truncations(data, seed=7, count=25, first=8):
        path = tmp_path / f"cut-{cut}.nc"
        path.write_bytes(truncated)
        with pytest.raises(NotNetCDF, match=r"cut short|declares|truncated"):
            netcdf.check_header(path)


def test_absurd_chunks_are_refused_once_the_file_is_open(tmp_path, limits):
    path = tmp_path / "chunks.nc"
    path.write_bytes(hostile.absurd_chunking(tmp_path))
    netcdf.check_header(path)  # an honest superblock: the library opens it, then its chunks are weighed
    with pytest.raises(Unreadable) as failed:
        run_isolated("repository.netcdf:read_header", path)
    assert failed.value.reason == "refused" and "chunks of [536870911] values" in failed.value.detail


def test_seeded_byte_flips_in_a_real_header_end_as_a_header_or_unreadable_never_worse(real_file, tmp_path, limits):
    """Random damage: the header may still read (a flipped letter in an attribute), or not; this
    process is unharmed either way."""
    data = real_file("kibesillah", "classic").read_bytes()
    before = peak_memory_kib()
    outcomes = []
    for i, mutated in enumerate(hostile.byte_flips(data, seed=12, count=10, within=5200)):
        path = tmp_path / f"flip-{i}.nc"
        path.write_bytes(mutated)
        try:
            outcomes.append(sorted(run_isolated("repository.netcdf:read_header", path)))
        except Unreadable as exc:
            outcomes.append(exc.reason)
    assert all(o in ("refused", "memory", "time", "crashed") or "dimensions" in o for o in outcomes), outcomes
    assert "refused" in outcomes
    assert peak_memory_kib() - before < 50 * 1024
