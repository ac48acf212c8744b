"""A NetCDF fuzz set uploaded through the REST API (issue 12, item 1): the 80-byte header declaring
2^31 dimensions, truncated files, headers whose lengths were mutated (seeded), and a NetCDF-4 file
with absurd chunking. Each file is stored and stays ready, and its preview says it could not be
read; the web process (this one: small files are verified in the completion request) stays under a
memory bound; the wizard's "Fill from NetCDF" answers with a clear message. On the worker path (a
real Celery worker on the S3 server) each file ends the same way, the worker's memory stays bounded,
and it takes no task twice."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.errors import ValidationFailed
from deposit import services
from deposit.models import Deposit, DepositFile
from tests.conftest import wait_for
from tests.factories import complete_metadata
from tests.repository import hostile_netcdf as hostile
from tests.repository.test_netcdf import ncgen, real_file  # noqa: F401 - fixtures
from tests.repository.test_sandbox import limits, peak_memory_kib  # noqa: F401 - fixture

MiB = 1024 * 1024
# How much the peak resident memory of the process that reads the files may grow over the whole
# fuzz set: the netCDF library given the bomb in-process asked for more than 16 GiB.
MEMORY_BOUND_KIB = 100 * 1024
UNREADABLE_EN = "This file could not be read"
UNREADABLE_FR = "Ce fichier n’a pas pu être lu"


def classic_names(path) -> set[str]:
    """The names of a (trusted) file's dimensions, variables and attributes, read here."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="numpy.ndarray size changed", category=RuntimeWarning)
        import netCDF4

    with netCDF4.Dataset(path) as ds:
        names = set(ds.dimensions) | set(ds.variables) | set(ds.ncattrs())
        for var in ds.variables.values():
            names |= set(var.ncattrs())
    return names


@pytest.fixture
def fuzz_set(real_file, tmp_path) -> list[tuple[str, bytes]]:
    """[(file name, bytes)]: the same files on every run."""
    classic_path = real_file("kibesillah", "classic")
    classic = classic_path.read_bytes()
    nc4 = real_file("kibesillah", "nc4").read_bytes()
    files = [("bomb.nc", hostile.header_bomb()), ("chunks.nc", hostile.absurd_chunking(tmp_path))]
    files += [(f"cut-classic-{cut}.nc", data) for cut, data in hostile.truncations(classic, seed=1, count=4, first=8)]
    files += [(f"cut-nc4-{cut}.nc", data) for cut, data in hostile.truncations(nc4, seed=2, count=3, first=64)]
    offsets = hostile.name_length_offsets(classic, classic_names(classic_path))
    assert len(offsets) > 40  # every name of the header was found
    mutations = hostile.length_mutations(classic, [12, *offsets], seed=3, count=8)  # 12: the count of dimensions
    files += [(f"length-{offset}-{value}.nc", data) for offset, value, data in mutations]
    return files


@pytest.fixture
def owner(api_client, depositor, communities):
    return api_client(depositor)


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


def test_each_file_of_the_netcdf_fuzz_set_uploaded_through_the_api_ends_could_not_be_read(owner, fuzz_set, limits):
    from tests.deposit.test_api import create_deposit, upload_file

    deposit = create_deposit(owner)
    metadata = Deposit.objects.get(pk=deposit["id"]).metadata
    before = peak_memory_kib()

    for name, data in fuzz_set:
        done = upload_file(owner, deposit["id"], name, data)
        assert (done["name"], done["state"], done["sha256"]) == (name, "ready", hashlib.sha256(data).hexdigest())

    assert peak_memory_kib() - before < MEMORY_BOUND_KIB
    files = {f.name: f for f in DepositFile.objects.filter(deposit_id=deposit["id"])}
    assert {name: (f.state, f.preview.get("kind"), f.preview.get("code")) for name, f in files.items()} == {
        name: ("ready", "error", "unreadable") for name, _data in fuzz_set
    }
    assert files["bomb.nc"].preview["reason"] == "refused"
    listed = owner.get(f"/api/deposits/{deposit['id']}/files").json()
    assert sorted((f["name"], f["state"]) for f in listed) == sorted((name, "ready") for name, _data in fuzz_set)
    assert Deposit.objects.get(pk=deposit["id"]).metadata == metadata  # nothing else changed

    html = render_to_string("moderation/_file_preview_body.html", {"file": files["bomb.nc"]})
    assert UNREADABLE_EN in html and "The file itself is kept as it is." in html
    with translation.override("fr"):
        assert UNREADABLE_FR in render_to_string("moderation/_file_preview_body.html", {"file": files["chunks.nc"]})


@pytest.mark.parametrize("name", ["bomb.nc", "chunks.nc"])
def test_fill_from_netcdf_on_a_hostile_file_answers_a_clear_message_not_a_500(
    client, depositor, communities, fuzz_set, limits, name
):
    data = dict(fuzz_set)[name]
    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community=communities["ocean"])
    services.file_add_bytes(deposit=deposit, actor=depositor, name=name, chunks=[data], size=len(data))
    file = deposit.files.get()
    client.force_login(depositor)
    before = peak_memory_kib()

    panel = client.get(reverse("deposit:wizard-suggestions", kwargs={"pk": deposit.pk, "file_pk": file.pk}))

    assert panel.status_code == 200
    assert UNREADABLE_EN in panel.content.decode() and "data-apply-suggestions" not in panel.content.decode()
    with pytest.raises(ValidationFailed) as refused:  # what any other caller of the service gets: a 422
        services.file_netcdf_suggestions(file=file)
    assert (refused.value.status_code, refused.value.field) == (422, "file")
    assert refused.value.message.startswith(UNREADABLE_EN)
    assert peak_memory_kib() - before < MEMORY_BOUND_KIB
    assert Deposit.objects.get(pk=deposit.pk).metadata == deposit.metadata


# --- Text and tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ['" ,' * 30000, 'a,"' * 30000, (',"' + "x" * 10 + " ") * 6000])
def test_a_csv_crafted_against_the_delimiter_sniffer_is_previewed_in_bounded_time(owner, line):
    """csv.Sniffer's expressions are quadratic: on these 64 KiB lines it took minutes of CPU."""
    import time

    from tests.deposit.test_api import create_deposit, upload_file

    deposit = create_deposit(owner)
    data = (line + "\n" + line + "\n").encode()
    started = time.process_time()

    done = upload_file(owner, deposit["id"], "stations.csv", data)

    assert time.process_time() - started < 10
    assert done["state"] == "ready"
    preview = DepositFile.objects.get(pk=done["id"]).preview
    assert preview["kind"] in ("table", "text") and preview["truncated"] is True


# --- On the worker ---------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_on_the_worker_each_hostile_file_ends_could_not_be_read_and_no_task_is_taken_twice(
    s3_worker, owner, fuzz_set, settings
):
    from tests.deposit.test_uploads_s3 import complete, open_upload, send

    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 0  # every file goes to the worker
    chosen = {}  # one file of each kind: the bomb, absurd chunks, a truncation, a mutated length
    for prefix in ("bomb", "chunks", "cut-classic-", "length-"):
        name, data = next((name, data) for name, data in fuzz_set if name.startswith(prefix))
        chosen[name] = data
    deposit_id = post(owner, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()}).json()["id"]
    log_start = s3_worker.log_path.stat().st_size
    worker_before = peak_memory_kib(s3_worker.pid)

    for name, data in chosen.items():
        upload = open_upload(owner, deposit_id, name, data).json()
        done = complete(owner, upload["id"], send(upload, data))
        assert (done.status_code, done.json()["state"]) == (202, "verifying"), done.content

    files = wait_for(
        lambda: (
            (found := list(DepositFile.objects.filter(deposit_id=deposit_id).exclude(preview={})))
            and len(found) == len(chosen)
            and found
        ),
        timeout=180,
        message="the worker's verifications and previews",
    )
    assert {f.name: (f.state, f.preview.get("code")) for f in files} == dict.fromkeys(chosen, ("ready", "unreadable"))
    assert s3_worker.poll() is None  # still running
    assert peak_memory_kib(s3_worker.pid) - worker_before < MEMORY_BOUND_KIB
    with open(s3_worker.log_path, "rb") as log:
        log.seek(log_start)
        received = re.findall(r"Task deposit\.files\.verify\[([0-9a-f-]+)\] received", log.read().decode())
    assert len(received) == len(set(received)) == len(chosen)
