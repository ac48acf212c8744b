from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deposit", "0007_file_paths"),
    ]

    operations = [
        migrations.AddField(
            model_name="uploadsession",
            name="part_sha256",
            field=models.BooleanField(default=False),
        ),
    ]
