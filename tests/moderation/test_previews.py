"""File previews on real files, stored for real: CSV, TSV and text (a README) on local storage and on
the S3 API server (moto), read with a ranged request; NetCDF headers of compliance-checker's CDL test
data made into NetCDF by `ncgen`; the size limit for NetCDF on S3; failures that never fail the file;
the template; the backfill command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string

from deposit import services
from deposit.models import DepositFile
from moderation import previews
from repository.storage import get_store
from tests.repository.test_netcdf import ncgen, real_file  # noqa: F401 - fixtures

CSV = (
    b"# Cruise PELGAS 2024, R/V Thalassa\n"
    b"# Station list and CTD summary\n"
    b"station,date,latitude,longitude,depth_m,temperature_degC\n"
    + b"".join(
        f"S{i:03},2024-05-{1 + i % 28:02},{45 + i / 100:.2f},{-3 - i / 100:.2f},{10 * i},{12 + i / 10:.1f}\n".encode()
        for i in range(40)
    )
)
README = (
    "# CTD casts of the PELGAS 2024 cruise\n\n"
    "Température et salinité, 120 profils.\n\n"
    "Columns: station, date (UTC), latitude (°N), longitude (°E), depth (m), temperature (°C).\n"
).encode()


@pytest.fixture
def draft(depositor, communities):
    return services.deposit_create(owner=depositor, community=communities["ocean"])


def upload(deposit, name: str, data: bytes) -> DepositFile:
    file = services.file_add_bytes(deposit=deposit, actor=deposit.owner, name=name, chunks=[data], size=len(data))
    file.refresh_from_db()
    return file


# --- Text and tables -------------------------------------------------------------------------------


def test_a_csv_file_gets_a_table_of_its_first_rows_when_it_becomes_ready(draft):
    file = upload(draft, "stations.csv", CSV)
    assert file.state == "ready"
    p = file.preview
    assert p["kind"] == "table" and p["delimiter"] == "comma"
    assert p["comments"] == ["# Cruise PELGAS 2024, R/V Thalassa", "# Station list and CTD summary"]
    assert p["header"] == ["station", "date", "latitude", "longitude", "depth_m", "temperature_degC"]
    assert p["rows"][0] == ["S000", "2024-05-01", "45.00", "-3.00", "0", "12.0"]
    assert len(p["rows"]) == previews.PREVIEW_LINES - 1 and p["columns"] == 6 and p["truncated"] is True


@pytest.mark.parametrize(
    ("name", "data", "delimiter"),
    [
        ("casts.csv", b"depth;temp;sal\n1;12,5;35,1\n2;12,4;35,2\n", "semicolon"),
        ("casts.tsv", b"depth\ttemp\tsal\n1\t12.5\t35.1\n2\t12.4\t35.2\n", "tab"),
        ("casts.csv", b'"name","note"\n"A","one, two"\n"B","three"\n', "comma"),
    ],
)
def test_the_delimiter_is_sniffed(draft, name, data, delimiter):
    p = upload(draft, name, data).preview
    assert p["kind"] == "table" and p["delimiter"] == delimiter and p["truncated"] is False
    assert len(p["header"]) == p["columns"] == len(p["rows"][0])
    if name.endswith("tsv"):
        assert p["rows"] == [["1", "12.5", "35.1"], ["2", "12.4", "35.2"]]
    if b'"A"' in data:
        assert p["rows"][0] == ["A", "one, two"]


def test_a_csv_with_one_column_is_shown_as_text(draft):
    p = upload(draft, "depths.csv", b"depth\n1\n2\n3\n").preview
    assert p["kind"] == "text" and p["lines"] == ["depth", "1", "2", "3"]


def test_a_readme_is_shown_as_its_first_lines_decoded_as_utf8(draft):
    p = upload(draft, "README.md", README).preview
    assert p["kind"] == "text" and p["truncated"] is False
    assert p["lines"][0] == "# CTD casts of the PELGAS 2024 cruise"
    assert "Température et salinité, 120 profils." in p["lines"]


def test_a_file_without_extension_is_sniffed_and_bad_bytes_are_replaced(draft):
    p = upload(draft, "README", b"Read me first\nlatin-1 \xe9t\xe9\n").preview
    assert p["kind"] == "text" and p["lines"] == ["Read me first", "latin-1 \ufffdt\ufffd"]


def test_binary_files_and_known_binary_formats_get_no_preview(draft):
    assert upload(draft, "dump.bin", bytes(range(256)) * 10).preview == {"v": 1, "kind": "none"}
    assert upload(draft, "archive.zip", b"PK\x03\x04" + b"\x00" * 50).preview["kind"] == "none"


def test_only_the_first_64_kib_are_read_and_no_line_is_cut(draft):
    line = "x" * 99 + "\n"
    data = (line * 3000).encode()  # 300 kB
    file = upload(draft, "long.txt", data)
    p = file.preview
    assert p["kind"] == "text" and p["truncated"] is True and len(p["lines"]) == previews.PREVIEW_LINES
    head, more = previews.read_head(get_store(), file.storage_key)
    assert len(head) == previews.PREVIEW_BYTES and more is True
    text, _truncated = previews._decode(head, more)
    assert text.endswith("\n") and set(text.splitlines()) == {"x" * 99}


def test_long_lines_and_wide_tables_are_capped(draft):
    wide = ",".join(f"c{i}" for i in range(60)) + "\n" + ",".join("v" * 200 for _ in range(60)) + "\n"
    p = upload(draft, "wide.csv", wide.encode()).preview
    assert p["columns"] == 60 and p["more_columns"] == 20 and len(p["header"]) == previews.MAX_COLUMNS
    assert len(p["rows"][0][0]) == previews.MAX_CELL_CHARS and p["rows"][0][0].endswith("…")
    p = upload(draft, "one-line.txt", b"y" * 5000).preview
    assert len(p["lines"][0]) == previews.MAX_LINE_CHARS


def test_an_empty_file_is_an_empty_text(draft):
    assert upload(draft, "empty.txt", b"").preview == {
        "v": 1,
        "kind": "text",
        "lines": [],
        "truncated": False,
    }


# --- NetCDF ------------------------------------------------------------------------------------------


def assert_glider_header(p: dict) -> None:
    assert p["kind"] == "netcdf"
    dims = {d["name"]: d for d in p["dimensions"]}
    assert dims["time"] == {"name": "time", "size": 188, "unlimited": True}
    assert dims["trajectory"]["unlimited"] is False
    variables = {v["name"]: v for v in p["variables"]}
    assert variables["temperature"]["attributes"]["standard_name"] == "sea_water_temperature"
    assert variables["temperature"]["dimensions"] == ["time"]
    assert variables["time"]["dtype"] == "float64"
    assert variables["time"]["attributes"] == {
        "standard_name": "time",
        "long_name": "Time",
        "units": "seconds since 1970-01-01 00:00:00 UTC",
    }
    attributes = {a["name"]: a["value"] for a in p["attributes"]}
    assert attributes["title"] == "Slocum Glider Dataset" and attributes["Conventions"] == "CF-1.6"


@pytest.mark.parametrize("kind", ["nc4", "classic"])
def test_a_netcdf_file_shows_its_dimensions_variables_and_attributes(draft, real_file, kind):
    data = real_file("ru07-20130824T170228_rt0", kind).read_bytes()
    file = upload(draft, "ru07_glider.nc", data)
    assert_glider_header(file.preview)
    assert file.preview["format"] == ("NETCDF4" if kind == "nc4" else "NETCDF3_CLASSIC")


def test_other_real_netcdf_files_are_previewed_too(draft, real_file):
    for name in (
        "sp041",
        "swan",
        "usgs_dem_saipan",
        "20160919092000-ABOM-L3S_GHRSST-SSTfnd-AVHRR_D-1d_dn_truncate",
    ):
        p = upload(draft, f"{name[:40]}.nc", real_file(name).read_bytes()).preview
        assert p["kind"] == "netcdf" and p["dimensions"] and p["variables"], name


def test_a_netcdf_file_under_another_name_is_recognised_by_its_signature(draft, real_file):
    p = upload(draft, "glider_data", real_file("ru07-20130824T170228_rt0", "classic").read_bytes()).preview
    assert p["kind"] == "netcdf"


def test_a_nc_file_that_is_not_netcdf_says_so_and_stays_ready(draft):
    file = upload(draft, "fake.nc", b"not netcdf at all")
    assert file.state == "ready"
    assert file.preview["kind"] == "error" and file.preview["code"] == "not_netcdf"


# --- On S3 ---------------------------------------------------------------------------------------------


@pytest.fixture
def get_object_calls(s3, monkeypatch):
    """Every GetObject this process sends to S3, with its arguments."""
    store = get_store()
    calls = []
    original = store.client.get_object

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(store.client, "get_object", spy)
    return calls


def test_on_s3_a_text_preview_asks_for_the_first_64_kib_only(draft, get_object_calls):
    data = CSV * 400  # ~1 MB
    file = upload(draft, "stations.csv", data)
    assert file.preview["kind"] == "table" and file.preview["truncated"] is True
    assert file.preview["header"][0] == "station"
    ranged = [c for c in get_object_calls if "Range" in c]
    assert [c["Range"] for c in ranged] == [f"bytes=0-{previews.PREVIEW_BYTES}"]


def test_on_s3_a_netcdf_file_is_copied_and_previewed(s3, draft, real_file):
    file = upload(draft, "ru07_glider.nc", real_file("ru07-20130824T170228_rt0").read_bytes())
    assert s3.client().head_object(Bucket="estran-test", Key=file.storage_key)["ContentLength"] == file.size
    assert_glider_header(file.preview)


def test_on_s3_a_netcdf_file_over_the_limit_is_not_copied_and_the_preview_says_so(
    s3,
    draft,
    real_file,
    settings,
    get_object_calls,
):
    settings.NETCDF_SUGGESTIONS_MAX_SIZE = 1000
    file = upload(draft, "ru07_glider.nc", real_file("ru07-20130824T170228_rt0").read_bytes())
    assert file.preview == {"v": 1, "kind": "netcdf", "too_large": True, "size": file.size, "limit": 1000}
    assert not [c for c in get_object_calls if c["Key"] == file.storage_key and "Range" not in c][
        1:
    ]  # verification only
    html = render_to_string("moderation/_file_preview_body.html", {"file": file})
    assert "is read only up to 1000" in html and "Download it to read its header." in html


def test_on_s3_a_readme_gets_its_text_preview(s3, draft):
    assert upload(draft, "README.md", README).preview["lines"][0] == "# CTD casts of the PELGAS 2024 cruise"


def test_the_worker_path_previews_a_large_file_once_verified(draft, settings, django_capture_on_commit_callbacks):
    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 0  # every file is verified by the worker's task
    with django_capture_on_commit_callbacks(execute=False):
        file = upload(draft, "stations.csv", CSV)
    assert file.state == "verifying" and file.preview == {}
    verified = services.file_verify_queued(file_id=file.pk)
    file.refresh_from_db()
    assert verified.state == file.state == "ready" and file.preview["kind"] == "table"


# --- Failures never fail the file ----------------------------------------------------------------------


def test_a_preview_that_breaks_is_stored_as_an_error_and_the_file_stays_ready(draft, monkeypatch):
    def broken(file, *, store=None):
        raise RuntimeError("the parser fell over")

    monkeypatch.setattr(previews, "preview_compute", broken)
    file = upload(draft, "stations.csv", CSV)
    assert file.state == "ready" and file.sha256
    assert file.preview == {"v": 1, "kind": "error", "message": "the parser fell over"}


def test_an_object_missing_from_the_store_gives_an_error_preview(draft):
    file = upload(draft, "stations.csv", CSV)
    get_store().delete(file.storage_key)
    preview = previews.file_preview_update(file=file)
    assert preview["kind"] == "error"
    file.refresh_from_db()
    assert file.state == "ready" and file.preview["kind"] == "error"


def test_s3_unreachable_gives_an_error_preview_and_a_later_backfill_repairs_it(s3, draft):
    file = upload(draft, "README.md", README)
    with s3.outage():
        assert previews.file_preview_update(file=file)["kind"] == "error"
    out = io.StringIO()
    call_command("estran_previews", "--errors", stdout=out, stderr=io.StringIO())
    file.refresh_from_db()
    assert file.preview["kind"] == "text" and "1 file(s) previewed (text: 1)" in out.getvalue()


# --- The template --------------------------------------------------------------------------------------


def test_the_preview_template_renders_each_kind(draft, real_file):
    table = upload(draft, "stations.csv", CSV)
    html = render_to_string("moderation/_file_preview_body.html", {"file": table})
    assert '<th scope="col">temperature_degC</th>' in html and "<td>S000</td>" in html
    assert "# Cruise PELGAS 2024, R/V Thalassa" in html and "separated by commas" in html and "first rows only" in html

    text = upload(draft, "README.md", README)
    html = render_to_string("moderation/_file_preview_body.html", {"file": text})
    assert '<pre class="preview-text' in html and "Température et salinité" in html

    nc = upload(draft, "glider.nc", real_file("ru07-20130824T170228_rt0").read_bytes())
    html = render_to_string("moderation/_file_preview_body.html", {"file": nc})
    assert "<caption>Dimensions</caption>" in html and "unlimited" in html
    assert "sea_water_temperature" in html and "Slocum Glider Dataset" in html

    fake = upload(draft, "fake.nc", b"nope")
    assert "This file cannot be read as NetCDF." in render_to_string(
        "moderation/_file_preview_body.html", {"file": fake}
    )
    binary = upload(draft, "dump.bin", b"\x00\x01" * 100)
    assert "No preview for this format." in render_to_string("moderation/_file_preview_body.html", {"file": binary})
    binary.state = "verifying"
    assert "still being uploaded or verified" in render_to_string(
        "moderation/_file_preview_body.html", {"file": binary}
    )


def test_the_preview_escapes_what_the_file_holds(draft):
    file = upload(draft, "evil.csv", b"<script>alert(1)</script>,b\n1,2\n")
    html = render_to_string("moderation/_file_preview_body.html", {"file": file})
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- The backfill command --------------------------------------------------------------------------------


def test_the_backfill_previews_ready_files_that_have_none(draft):
    files = [upload(draft, f"cast_{i}.csv", CSV) for i in range(3)] + [upload(draft, "README.md", README)]
    DepositFile.objects.filter(pk__in=[f.pk for f in files]).update(preview={})
    DepositFile.objects.filter(pk=files[0].pk).update(preview={"v": 1, "kind": "error", "message": "x"})
    out, err = io.StringIO(), io.StringIO()
    call_command("estran_previews", "--dry-run", stdout=out, stderr=err)
    assert out.getvalue().strip() == "3 file(s) to preview."
    out = io.StringIO()
    call_command("estran_previews", stdout=out, stderr=err)
    assert "3 file(s) previewed (table: 2, text: 1)." in out.getvalue() and "3/3 files" in err.getvalue()
    assert DepositFile.objects.get(pk=files[0].pk).preview["kind"] == "error"  # not asked for
    out = io.StringIO()
    call_command("estran_previews", "--errors", stdout=out, stderr=err)
    assert "1 file(s) previewed (table: 1)." in out.getvalue()
    out = io.StringIO()
    call_command("estran_previews", "--all", "--deposit", str(draft.pk), stdout=out, stderr=err)
    assert "4 file(s) previewed" in out.getvalue()
    call_command("estran_previews", "--deposit", str(draft.pk + 1000), stdout=(out := io.StringIO()), stderr=err)
    assert out.getvalue().strip() == "0 file(s) to preview."
