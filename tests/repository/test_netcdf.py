"""Extent and parameter suggestions from NetCDF files: real CF / ACDD datasets (compliance-checker's
CDL test data, made into NetCDF by Debian's `ncgen`), a few files written here for the edge cases,
and the deposit service that reads a stored file through the storage interface."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from repository.metadata import GeoLocation, Subject, TemporalExtent, VerticalExtent
from repository.netcdf import CF_TABLE_URI, NotNetCDF, extract_suggestions
from repository.storage import ObjectStore
from tests.conftest import IN_CI

CDL = Path(__file__).parents[1] / "data" / "netcdf"


@pytest.fixture(scope="session")
def ncgen():
    path = shutil.which("ncgen")
    if path is None:
        message = "ncgen is missing (Debian package netcdf-bin; `make system-packages` installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def real_file(ncgen, tmp_path_factory):
    """`real_file(name, kind="nc4")`: the NetCDF file made from tests/data/netcdf/<name>.cdl."""
    folder = tmp_path_factory.mktemp("netcdf")
    made: dict[tuple[str, str], Path] = {}

    def make(name: str, kind: str = "nc4") -> Path:
        if (name, kind) not in made:
            target = folder / f"{name}.{kind}.nc"
            subprocess.run(
                [ncgen, "-k", kind, "-o", str(target), str(CDL / f"{name}.cdl")],
                check=True,
                capture_output=True,
                timeout=60,
            )
            made[name, kind] = target
        return made[name, kind]

    return make


def subjects_of(suggestions: dict, keyword_type: str) -> list[str]:
    return [s["subject"] for s in suggestions.get("subjects", []) if s["keyword_type"] == keyword_type]


def assert_valid_document_parts(suggestions: dict) -> None:
    """Whatever is suggested fits the document: the wizard can merge it as it is."""
    for location in suggestions.get("geo_locations", []):
        GeoLocation.model_validate(location)
    for subject in suggestions.get("subjects", []):
        Subject.model_validate(subject)
    if "vertical_extent" in suggestions:
        VerticalExtent.model_validate(suggestions["vertical_extent"])
    if "end" in suggestions.get("temporal_extent", {}):
        TemporalExtent.model_validate(suggestions["temporal_extent"])
    assert all(isinstance(n, str) and n for n in suggestions["notes"])


# --- Real files -----------------------------------------------------------------------------------

GLIDER_PARAMETERS = [
    "sea_water_electrical_conductivity",
    "sea_water_density",
    "sea_water_salinity",
    "sea_water_temperature",
    "eastward_sea_water_velocity",
    "northward_sea_water_velocity",
]


@pytest.mark.parametrize("kind", ["nc4", "classic"])
def test_rutgers_glider_box_time_depth_and_parameters(real_file, kind):
    s = extract_suggestions(real_file("ru07-20130824T170228_rt0", kind))

    # :geospatial_lat_min = 34.85033 ; lat_max = 34.85172 ; lon_min = -120.7855 ; lon_max = -120.78092
    assert s["geo_locations"] == [
        {"box": {"west": -120.7855, "east": -120.78092, "south": 34.85033, "north": 34.85172}}
    ]
    # :time_coverage_start = "2013-08-24 17:02 UTC" ; :time_coverage_end = "2013-08-24 17:43 UTC"
    assert s["temporal_extent"] == {"start": "2013-08-24", "end": "2013-08-24", "ongoing": False}
    # :geospatial_vertical_min = 1.1 ; max = 589. ; positive = "down" ; units = "meters"
    assert s["vertical_extent"] == {"minimum": 1.1, "maximum": 589.0, "unit": "m", "reference": "depth"}
    # Data variables' standard names; not time/lat/lon/depth, not `pressure` (axis Z), not the
    # "… status_flag" QC variables.
    assert subjects_of(s, "parameter") == GLIDER_PARAMETERS
    temperature = next(x for x in s["subjects"] if x["subject"] == "sea_water_temperature")
    assert temperature == {
        "subject": "sea_water_temperature",
        "scheme": "CF Standard Names",
        "scheme_uri": CF_TABLE_URI,
        "value_uri": CF_TABLE_URI + "#sea_water_temperature",
        "keyword_type": "parameter",
    }
    assert subjects_of(s, "theme") == [
        "Oceans > Ocean Pressure > Water Pressure",
        "Oceans > Ocean Temperature > Water Temperature",
        "Oceans > Salinity/Density > Conductivity",
        "Oceans > Salinity/Density > Density",
        "Oceans > Salinity/Density > Salinity",
    ]
    assert {x.get("scheme") for x in s["subjects"] if x["keyword_type"] == "theme"} == {"GCMD Science Keywords"}
    assert s["titles"] == [{"title": "Slocum Glider Dataset"}]
    assert s["descriptions"][0]["description"].startswith("The Rutgers University Coastal Ocean Observation Lab")
    variables = {v["name"]: v for v in s["variables"]}
    assert variables["temperature"] == {
        "name": "temperature",
        "standard_name": "sea_water_temperature",
        "long_name": "Temperature",
        "units": "Celsius",
    }
    assert "time" not in variables and "lat" not in variables
    assert any("ACDD" in n for n in s["notes"])
    assert_valid_document_parts(s)


def test_spray_glider(real_file):
    s = extract_suggestions(real_file("sp041"))
    assert s["geo_locations"] == [
        {"box": {"west": -122.64205, "east": -117.34025, "south": 31.09323, "north": 33.41135}}
    ]
    # "2016-09-08T19:02:15Z" to "2016-11-07T12:33:15Z"
    assert s["temporal_extent"] == {"start": "2016-09-08", "end": "2016-11-07", "ongoing": False}
    assert s["vertical_extent"] == {"minimum": 0.0, "maximum": 500.9242249, "unit": "m", "reference": "depth"}
    # pressure here is a measured sea_water_pressure (positive down, no axis): a parameter.
    assert subjects_of(s, "parameter") == [
        "eastward_sea_water_velocity",
        "northward_sea_water_velocity",
        "sea_water_pressure",
        "sea_water_temperature",
        "sea_water_electrical_conductivity",
        "sea_water_practical_salinity",
        "sea_water_density",
    ]
    assert len(subjects_of(s, "theme")) == 14
    assert_valid_document_parts(s)


def test_longitudes_from_0_to_360_are_converted_and_surface_heights_kept(real_file):
    s = extract_suggestions(real_file("swan"))
    # :geospatial_lon_min = 189. ; lon_max = 189.6 ; lat -14.4 .. -14.15
    assert s["geo_locations"] == [{"box": {"west": -171.0, "east": -170.4, "south": -14.4, "north": -14.15}}]
    assert any("0 to 360" in n for n in s["notes"])
    # Only :time_coverage_start = "2013-02-18T21:00:00Z", and the time variable holds no data.
    assert s["temporal_extent"] == {"start": "2013-02-18"}
    assert any("No end date" in n for n in s["notes"])
    # :geospatial_vertical_min = max = 0. ; positive = "up"
    assert s["vertical_extent"] == {"minimum": 0.0, "maximum": 0.0, "unit": "m", "reference": "altitude"}
    assert "sea_surface_wave_significant_height" in subjects_of(s, "parameter")
    assert "forecast_reference_time" not in subjects_of(s, "parameter")
    assert_valid_document_parts(s)


def test_ghrsst_bounds_across_the_antimeridian_and_basic_iso_times(real_file):
    s = extract_suggestions(real_file("20160919092000-ABOM-L3S_GHRSST-SSTfnd-AVHRR_D-1d_dn_truncate"))
    # No ACDD box; :westernmost_longitude = 70.01f ; :easternmost_longitude = -170.01f ;
    # :southernmost_latitude = -69.99f ; :northernmost_latitude = 19.99f
    assert s["geo_locations"] == [{"box": {"west": 70.01, "east": -170.01, "south": -69.99, "north": 19.99}}]
    assert any("antimeridian" in n for n in s["notes"]) and any("GHRSST" in n for n in s["notes"])
    # :time_coverage_start = "20160918T181648Z" ; :time_coverage_end = "20160919T231803Z"
    assert s["temporal_extent"] == {"start": "2016-09-18", "end": "2016-09-19", "ongoing": False}
    assert "vertical_extent" not in s
    assert subjects_of(s, "parameter") == ["sea_surface_foundation_temperature", "wind_speed", "sea_ice_area_fraction"]
    assert [x["scheme"] for x in s["subjects"] if x["keyword_type"] == "theme"] == [
        "NASA Global Change Master Directory (GCMD) Science Keywords"
    ]
    assert_valid_document_parts(s)


def test_without_global_attributes_the_coordinate_values_are_read(real_file):
    s = extract_suggestions(real_file("index_ragged"))
    # The smallest and largest of the 213 values of lat, lon, time and z in the CDL's data section.
    assert s["geo_locations"] == [
        {"box": {"west": -75.83024, "east": -0.7129942, "south": 0.1856368, "north": 44.95267}}
    ]
    # time: 0 .. 176400 "seconds since 1990-01-01 00:00:00" (176400 s = 2 days 1 hour)
    assert s["temporal_extent"] == {"start": "1990-01-01", "end": "1990-01-03", "ongoing": False}
    # z: "height above mean sea level", standard_name altitude, units m, positive up
    assert s["vertical_extent"] == {"minimum": 0.03310063, "maximum": 29.69398, "unit": "m", "reference": "altitude"}
    assert subjects_of(s, "parameter") == ["air_temperature", "specific_humidity"]
    assert "titles" not in s and subjects_of(s, "theme") == []
    assert any("values of the variables lat, lon" in n for n in s["notes"])
    assert_valid_document_parts(s)


def test_numeric_coverage_times_are_read_in_the_time_variable_units(real_file):
    s = extract_suggestions(real_file("sldmb_43093_agg"))
    # The file says :time_coverage_start = 1428728400. and :time_coverage_end = 1428809400., its time
    # variable's units being "seconds since 1970-01-01T00:00:00Z".
    assert s["temporal_extent"] == {"start": "2015-04-11", "end": "2015-04-12", "ongoing": False}
    assert any("is a number" in n for n in s["notes"])
    assert s["geo_locations"] == [
        {"box": {"west": -81.147547, "east": -81.117936, "south": 24.755482, "north": 24.803719}}
    ]
    assert subjects_of(s, "theme") == ["MARACOOS", "SLDMB", "Temperature", "SST"]
    assert_valid_document_parts(s)


def test_an_elevation_model_has_altitudes_and_no_time(real_file):
    s = extract_suggestions(real_file("usgs_dem_saipan"))
    assert s["geo_locations"] == [
        {"box": {"west": 145.680835, "east": 145.836855, "south": 15.087774, "north": 15.296387}}
    ]
    # :geospatial_vertical_min = 0. ; max = 463.26 ; positive = "up" ; units = "m"
    assert s["vertical_extent"] == {"minimum": 0.0, "maximum": 463.26, "unit": "m", "reference": "altitude"}
    assert "temporal_extent" not in s
    assert any("no temporal extent" in n for n in s["notes"])
    assert_valid_document_parts(s)


def test_a_single_position_is_a_point_and_times_without_zone_are_read_as_utc(real_file):
    s = extract_suggestions(real_file("kibesillah"))
    assert s["geo_locations"] == [{"point": {"longitude": -123.7892, "latitude": 39.6004}}]
    # "2009-01-01T08:00:00" to "2015-12-29T13:19:59", no zone
    assert s["temporal_extent"] == {"start": "2009-01-01", "end": "2015-12-29", "ongoing": False}
    assert sum("read as UTC" in n for n in s["notes"]) == 2
    assert s["vertical_extent"] == {"minimum": 0.1524, "maximum": 0.1524, "unit": "m", "reference": "depth"}
    assert subjects_of(s, "parameter") == ["sea_water_temperature"]
    assert_valid_document_parts(s)


# --- Edge cases, in files written here ------------------------------------------------------------


def write(path: Path, attrs: dict | None = None, variables: dict | None = None) -> Path:
    """A NetCDF-4 file with global `attrs` and `variables` {name: (dims, values, attrs)}."""
    import netCDF4

    with netCDF4.Dataset(path, "w") as ds:
        for name, value in (attrs or {}).items():
            ds.setncattr(name, value)
        for name, (dims, values, var_attrs) in (variables or {}).items():
            values = np.asarray(values)
            for dim, size in zip(dims, values.shape, strict=True):
                if dim not in ds.dimensions:
                    ds.createDimension(dim, size)
            fill = var_attrs.pop("_FillValue", None)
            var = ds.createVariable(name, values.dtype, dims, fill_value=fill)
            for key, value in var_attrs.items():
                var.setncattr(key, value)
            var[...] = values
    return path


ACDD_BOX = {"geospatial_lat_min": -10.0, "geospatial_lat_max": 10.0}


@pytest.mark.parametrize(
    ("west", "east", "box"),
    [
        (170.0, 190.0, (170.0, -170.0)),  # 0..360 across 180°: west > east
        (350.0, 370.0 - 360.0, (-10.0, 10.0)),  # mixed conventions around Greenwich
        (0.0, 360.0, (-180.0, 180.0)),  # the whole globe
        (-180.0, 180.0, (-180.0, 180.0)),
        (170.0, -170.0, (170.0, -170.0)),  # ACDD: lon_min > lon_max crosses the antimeridian
        (190.0, 200.0, (-170.0, -160.0)),
    ],
)
def test_longitude_conventions(tmp_path, west, east, box):
    path = write(tmp_path / "f.nc", {**ACDD_BOX, "geospatial_lon_min": west, "geospatial_lon_max": east})
    location = extract_suggestions(path)["geo_locations"][0]
    assert (location["box"]["west"], location["box"]["east"]) == box
    GeoLocation.model_validate(location)


def test_a_track_crossing_the_antimeridian_gives_the_smallest_box(tmp_path):
    lons = [178.0, 179.5, -179.5, -178.0, 179.0]
    path = write(
        tmp_path / "f.nc",
        variables={
            "lat": (
                ("obs",),
                [-15.0, -15.5, -16.0, -16.5, -15.2],
                {"standard_name": "latitude", "units": "degrees_north"},
            ),
            "lon": (("obs",), lons, {"standard_name": "longitude", "units": "degrees_east"}),
        },
    )
    box = extract_suggestions(path)["geo_locations"][0]["box"]
    assert box == {"west": 178.0, "east": -178.0, "south": -16.5, "north": -15.0}


def test_a_grid_in_0_to_360_read_from_its_coordinates(tmp_path):
    path = write(
        tmp_path / "f.nc",
        variables={
            "lat": (("lat",), np.arange(-80.0, 81.0, 20.0), {"units": "degrees_north"}),
            "lon": (("lon",), np.arange(0.0, 360.0, 30.0), {"units": "degrees_east"}),
        },
    )
    box = extract_suggestions(path)["geo_locations"][0]["box"]
    assert box == {"west": -180.0, "east": 150.0, "south": -80.0, "north": 80.0}


@pytest.mark.parametrize(
    ("attrs", "expected", "note"),
    [
        ({"geospatial_vertical_units": "dbar", "geospatial_vertical_positive": "down"}, None, "only metres"),
        ({"geospatial_vertical_units": "km", "geospatial_vertical_positive": "up"}, None, "only metres"),
        ({"geospatial_vertical_units": "m"}, None, "depth or altitude cannot be told"),
        (
            {"geospatial_vertical_positive": "down"},
            {"minimum": 10.0, "maximum": 500.0, "reference": "depth"},
            "read as metres",
        ),
        (
            {"geospatial_vertical_units": "metres", "geospatial_vertical_positive": "up"},
            {"minimum": 10.0, "maximum": 500.0, "reference": "altitude"},
            "positive up",
        ),
    ],
)
def test_vertical_extents_are_taken_in_metres_only(tmp_path, attrs, expected, note):
    path = write(tmp_path / "f.nc", {"geospatial_vertical_min": 10.0, "geospatial_vertical_max": 500.0, **attrs})
    s = extract_suggestions(path)
    if expected is None:
        assert "vertical_extent" not in s
    else:
        assert s["vertical_extent"] == {**expected, "unit": "m"}
    assert any(note in n for n in s["notes"]), s["notes"]


def test_heights_below_the_surface_become_depths(tmp_path):
    path = write(
        tmp_path / "f.nc",
        {
            "geospatial_vertical_min": -2000.0,
            "geospatial_vertical_max": -5.0,
            "geospatial_vertical_units": "m",
            "geospatial_vertical_positive": "up",
        },
    )
    assert extract_suggestions(path)["vertical_extent"] == {
        "minimum": 5.0,
        "maximum": 2000.0,
        "unit": "m",
        "reference": "depth",
    }


def test_a_pressure_axis_is_not_a_vertical_extent(tmp_path):
    path = write(
        tmp_path / "f.nc",
        variables={
            "pres": (("obs",), [1.0, 500.0], {"axis": "Z", "units": "dbar", "positive": "down"}),
        },
    )
    s = extract_suggestions(path)
    assert "vertical_extent" not in s
    assert any("pressure (dbar)" in n for n in s["notes"])


def test_time_coverage_with_a_duration_instead_of_an_end(tmp_path):
    path = write(
        tmp_path / "f.nc", {"time_coverage_start": "2024-04-25T06:00:00Z", "time_coverage_duration": "P35DT12H"}
    )
    assert extract_suggestions(path)["temporal_extent"] == {
        "start": "2024-04-25",
        "end": "2024-05-30",
        "ongoing": False,
    }


def test_unreadable_times_are_noted_and_the_time_variable_used(tmp_path):
    path = write(
        tmp_path / "f.nc",
        {"time_coverage_start": "spring 2024", "time_coverage_end": "2024-13-45"},
        variables={"time": (("time",), [0.0, 10.0, 40.0], {"units": "days since 2024-04-25"})},
    )
    s = extract_suggestions(path)
    assert s["temporal_extent"] == {"start": "2024-04-25", "end": "2024-06-04", "ongoing": False}
    assert any("“spring 2024” is not an ISO 8601 time" in n for n in s["notes"])


def test_a_model_calendar_without_real_dates_is_left_out(tmp_path):
    path = write(
        tmp_path / "f.nc",
        variables={
            "time": (("time",), [0.0, 59.0], {"units": "days since 2000-01-01", "calendar": "360_day"}),
        },
    )
    s = extract_suggestions(path)
    assert "temporal_extent" not in s
    assert any("360_day" in n for n in s["notes"])


def test_fill_values_are_not_coordinates(tmp_path):
    path = write(
        tmp_path / "f.nc",
        variables={
            "lat": (("obs",), [45.0, -999.0, 46.0], {"units": "degrees_north", "_FillValue": -999.0}),
            "lon": (("obs",), [-5.0, -999.0, -4.0], {"units": "degrees_east", "_FillValue": -999.0}),
        },
    )
    assert extract_suggestions(path)["geo_locations"] == [
        {"box": {"west": -5.0, "east": -4.0, "south": 45.0, "north": 46.0}}
    ]


def test_standard_names_that_are_not_cf_spellings_are_left_out(tmp_path):
    path = write(
        tmp_path / "f.nc",
        variables={
            "t": (("obs",), [1.0], {"standard_name": "Sea Water Temperature"}),  # spaces: read as a modifier
            "s": (("obs",), [1.0], {"standard_name": "sea-water-salinity"}),
            "o": (("obs",), [1.0], {"standard_name": "mole_concentration_of_dissolved_molecular_oxygen_in_sea_water"}),
        },
    )
    s = extract_suggestions(path)
    assert subjects_of(s, "parameter") == ["mole_concentration_of_dissolved_molecular_oxygen_in_sea_water"]
    assert any("sea-water-salinity" in n for n in s["notes"])


def test_an_empty_file_suggests_nothing_but_says_so(tmp_path):
    s = extract_suggestions(write(tmp_path / "f.nc"))
    assert set(s) == {"variables", "notes"}
    assert s["variables"] == []
    assert any("no box" in n for n in s["notes"]) and any("no temporal extent" in n for n in s["notes"])


def test_a_file_that_is_not_netcdf_is_refused(tmp_path):
    path = tmp_path / "ctd.csv"
    path.write_text("depth,temp\n1,12.5\n")
    with pytest.raises(NotNetCDF):
        extract_suggestions(path)


# --- The deposit service ----------------------------------------------------------------------------


@pytest.fixture
def glider_bytes(real_file) -> bytes:
    return real_file("ru07-20130824T170228_rt0").read_bytes()


def test_the_service_reads_a_stored_file(depositor, communities, glider_bytes):
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"], content=glider_bytes, name="ru07.nc")
    file = deposit.files.get()
    assert file.state == "ready"

    s = services.file_netcdf_suggestions(file=file)

    assert s["vertical_extent"]["maximum"] == 589.0
    assert subjects_of(s, "parameter") == GLIDER_PARAMETERS


class StreamingStore(ObjectStore):
    """A store whose objects come as streams without a file name (as S3's do): the service reads a
    temporary copy of them (ObjectStore.local_copy). `size`: the size the store says the object has
    (by default, that of the bytes it serves)."""

    def __init__(self, data: bytes, *, fail: Exception | None = None, size: int | None = None):
        self.data, self.fail, self.said = data, fail, size

    def size(self, key):
        if isinstance(self.fail, FileNotFoundError):
            raise self.fail
        return len(self.data) if self.said is None else self.said

    def open(self, key):
        if isinstance(self.fail, FileNotFoundError):
            raise self.fail
        stream = io.BytesIO(self.data)
        if self.fail is not None:
            fail = self.fail

            def read(*args):
                raise fail

            stream.read = read
        return stream


@pytest.fixture
def stored_file(depositor, communities, glider_bytes):
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"], content=glider_bytes, name="ru07.nc")
    return deposit.files.get()


def test_the_service_copies_a_streamed_object_to_read_it(stored_file, glider_bytes, monkeypatch):
    from deposit import services

    monkeypatch.setattr(services.netcdf, "get_store", lambda: StreamingStore(glider_bytes))
    s = services.file_netcdf_suggestions(file=stored_file)
    assert s["geo_locations"][0]["box"]["west"] == -120.7855


def test_the_service_refuses_files_over_the_size_cap(stored_file, glider_bytes, monkeypatch, settings):
    from core.errors import ValidationFailed
    from deposit import services

    settings.NETCDF_SUGGESTIONS_MAX_SIZE = stored_file.size - 1
    with pytest.raises(ValidationFailed) as refused:
        services.file_netcdf_suggestions(file=stored_file)
    assert refused.value.field == "file"

    # The cap holds while copying too, whatever size the database and the store say.
    settings.NETCDF_SUGGESTIONS_MAX_SIZE = stored_file.size
    served = StreamingStore(glider_bytes + b"\0", size=stored_file.size)
    monkeypatch.setattr(services.netcdf, "get_store", lambda: served)
    with pytest.raises(ValidationFailed) as refused:
        services.file_netcdf_suggestions(file=stored_file)
    assert refused.value.field == "file"


def test_the_service_refuses_a_file_that_is_not_netcdf(depositor, communities):
    from core.errors import ValidationFailed
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"])  # ctd.csv
    with pytest.raises(ValidationFailed) as refused:
        services.file_netcdf_suggestions(file=deposit.files.get())
    assert refused.value.field == "file"
    assert "NetCDF" in refused.value.message


def test_the_service_refuses_a_file_that_is_not_ready(stored_file):
    from core.errors import Conflict
    from deposit import services

    stored_file.state = "verifying"
    with pytest.raises(Conflict) as refused:
        services.file_netcdf_suggestions(file=stored_file)
    assert refused.value.code == "file_not_ready"


@pytest.mark.parametrize("failure", ["open", "read"])
def test_a_store_that_fails_is_unavailable_not_a_crash(stored_file, glider_bytes, monkeypatch, failure):
    from deposit import services
    from repository.storage import StorageError

    class Failing(StreamingStore):
        def open(self, key):
            if failure == "open":
                raise StorageError("GetObject timed out")
            return super().open(key)

    store = Failing(glider_bytes, fail=ConnectionResetError("reset") if failure == "read" else None)
    monkeypatch.setattr(services.netcdf, "get_store", lambda: store)
    with pytest.raises(services.StoreUnavailable):
        services.file_netcdf_suggestions(file=stored_file)


def test_a_missing_object_is_not_found(stored_file, monkeypatch):
    from core.errors import NotFound
    from deposit import services

    monkeypatch.setattr(services.netcdf, "get_store", lambda: StreamingStore(b"", fail=FileNotFoundError("gone")))
    with pytest.raises(NotFound):
        services.file_netcdf_suggestions(file=stored_file)
