"""Each record's folders with their files and bytes (`Record.folder_totals`, as
`core.folders.FolderIndex.totals()` gives them at publication), filled for the records published
before it, so that a record's page draws its folder tree without reading its files."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Record = apps.get_model("repository", "Record")
    RecordFile = apps.get_model("repository", "RecordFile")
    for record_id in list(Record.objects.values_list("pk", flat=True)):
        totals: dict[str, list[int]] = {"": [0, 0]}
        for name, size in RecordFile.objects.filter(record_id=record_id).values_list("name", "size"):
            segments = name.split("/")[:-1]
            for depth in range(len(segments) + 1):
                total = totals.setdefault("/".join(segments[:depth]), [0, 0])
                total[0] += 1
                total[1] += size or 0
        if len(totals) > 1:  # files in folders; `{}` for the others, as at publication
            Record.objects.filter(pk=record_id).update(folder_totals=totals)


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0008_record_files_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="folder_totals",
            field=models.JSONField(default=dict, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
