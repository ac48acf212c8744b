"""COUNTER-filtered views and downloads per record and day (repository/usage.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0004_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordUsage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("views", models.PositiveIntegerField(default=0)),
                ("downloads", models.PositiveIntegerField(default=0)),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="usage", to="repository.record"
                    ),
                ),
            ],
            options={
                "verbose_name": "record usage (day)",
                "constraints": [models.UniqueConstraint(fields=("record", "day"), name="record_usage_day_unique")],
            },
        ),
    ]
