"""The files' summary on each record (their number, total size and extensions), filled for the
records published before it, as `repository.file_summary.summarise` computes it at publication."""

from django.db import migrations, models

EXTENSIONS_MAX = 50  # repository.models.FILE_EXTENSIONS_MAX when this was written


def _extension(name: str) -> str:
    stem, dot, extension = name.rsplit("/", 1)[-1].rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def fill(apps, schema_editor):
    Record = apps.get_model("repository", "Record")
    RecordFile = apps.get_model("repository", "RecordFile")
    for record_id in list(Record.objects.values_list("pk", flat=True)):
        count = size = 0
        extensions: dict[str, None] = {}
        for name, file_size in (
            RecordFile.objects.filter(record_id=record_id).order_by("name").values_list("name", "size")
        ):
            count += 1
            size += file_size
            if len(extensions) < EXTENSIONS_MAX:
                extensions.setdefault(_extension(name), None)
        Record.objects.filter(pk=record_id).update(file_count=count, files_size=size, file_extensions=list(extensions))


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0007_file_paths"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="file_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="record",
            name="file_extensions",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="record",
            name="files_size",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
