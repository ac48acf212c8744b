"""The five thematic communities of the national Earth-system research infrastructure."""

from django.db import migrations

COMMUNITIES = [
    ("ocean", "Ocean", "ODATIS", "Ocean data: physics, biogeochemistry, coastal and deep sea."),
    ("land-surfaces", "Land surfaces", "THEIA", "Continental surfaces: hydrology, soils, vegetation, cryosphere."),
    ("atmosphere", "Atmosphere", "AERIS", "Atmospheric data: composition, dynamics, clouds and aerosols."),
    ("solid-earth", "Solid Earth", "ForM@Ter", "Solid Earth: geodesy, seismology, geology, deformation."),
    ("biodiversity", "Biodiversity", "PNDB", "Biodiversity: species occurrences, ecosystems, ecology."),
]


def seed(apps, schema_editor):
    Community = apps.get_model("accounts", "Community")
    for slug, name, acronym, description in COMMUNITIES:
        Community.objects.update_or_create(
            slug=slug, defaults={"name": name, "acronym": acronym, "description": description}
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "Community").objects.filter(slug__in=[c[0] for c in COMMUNITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
