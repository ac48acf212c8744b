"""Step 4, files: the deposit's uploads (saved through their own sessions, not the wizard's form),
and the advice on formats (open ones preferred; a closed one gets its open alternative)."""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext_lazy

from core.file_names import base_name

from .base import Check, FieldPath, Step

OPEN_FORMATS = {
    "nc": "NetCDF",
    "cdf": "NetCDF",
    "nc4": "NetCDF-4",
    "h5": "HDF5",
    "hdf5": "HDF5",
    "csv": "CSV",
    "tsv": "TSV",
    "txt": gettext_lazy("Plain text"),
    "md": "Markdown",
    "json": "JSON",
    "geojson": "GeoJSON",
    "xml": "XML",
    "tif": "TIFF",
    "tiff": "GeoTIFF",
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "pdf": "PDF",
    "zip": "ZIP",
    "gz": "gzip",
    "tar": "tar",
    "odt": "OpenDocument",
    "ods": "OpenDocument",
    "parquet": "Parquet",
    "zarr": "Zarr",
    "gpkg": "GeoPackage",
    "cnv": gettext_lazy("Sea-Bird text"),
    "odv": "ODV",
    "rst": "reStructuredText",
    "yaml": "YAML",
    "yml": "YAML",
}
CLOSED_FORMATS = {
    "xls": "Excel",
    "xlsx": "Excel",
    "doc": "Word",
    "docx": "Word",
    "mat": "MATLAB",
    "sav": "SPSS",
    "shp": gettext_lazy("Shapefile"),
    "hex": gettext_lazy("Sea-Bird raw"),
    "dta": "Stata",
    "rar": "RAR",
}
OPEN_ALTERNATIVES = {
    "xls": "CSV",
    "xlsx": "CSV",
    "doc": "PDF",
    "docx": "PDF",
    "mat": "NetCDF / HDF5",
    "sav": "CSV",
    "dta": "CSV",
    "shp": "GeoPackage",
    "rar": "ZIP",
    "hex": "NetCDF / CNV",
}


def file_format(name: str) -> dict:
    name = base_name(name)  # `v1.2/README` has no extension
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in OPEN_FORMATS:
        return {"label": OPEN_FORMATS[extension], "open": True, "extension": extension}
    if extension in CLOSED_FORMATS:
        return {
            "label": CLOSED_FORMATS[extension],
            "open": False,
            "extension": extension,
            "alternative": OPEN_ALTERNATIVES.get(extension, ""),
        }
    return {"label": extension.upper() or "—", "open": None, "extension": extension}


class Files(Step):
    slug = "files"
    label = gettext_lazy("Files")
    title = gettext_lazy("Files")
    summary = gettext_lazy("Upload the data files, with a README that explains them.")
    form = False
    checks = (
        Check("files", gettext_lazy("Files"), True, lambda md, deposit, files: bool(files)),
        Check(
            "readme",
            gettext_lazy("A README file"),
            False,
            lambda md, deposit, files: any(f.name.lower().startswith("readme") for f in files),
        ),
    )

    def anchor(self, path: FieldPath, metadata, files):
        if path.top != "files":
            return None
        name = ".".join(path.rest)  # a file's name may hold dots
        position = positions(files).get(name)
        return f"f-files-{position}" if position is not None else "f-files"

    def has_content(self, metadata, deposit, files) -> bool:
        return bool(files)


class NamedFiles(list):
    """A deposit's files with each name's position among them, found once: a deposit of 10,000 files
    uploading has 10,000 problems, each anchored at its file's row (`f-files-<position>`)."""

    @cached_property
    def positions(self) -> dict[str, int]:
        return {f.name: i for i, f in enumerate(self)}


def positions(files) -> dict[str, int]:
    return files.positions if isinstance(files, NamedFiles) else NamedFiles(files).positions
