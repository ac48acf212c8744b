"""Communities get a contact address, the public point of contact of records whose depositor keeps
theirs private; the five seeded communities get one at the repository's own mail domain (the
domain of DEFAULT_FROM_EMAIL), which the operator routes or changes in the admin."""

from email.utils import parseaddr

from django.conf import settings
from django.db import migrations, models

# slug -> local part: the community's acronym, as its desk would be addressed.
ADDRESSES = {
    "ocean": "odatis",
    "land-surfaces": "theia",
    "atmosphere": "aeris",
    "solid-earth": "formater",
    "biodiversity": "pndb",
}


def mail_domain() -> str:
    address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", ""))[1]
    return address.rpartition("@")[2] or "estran.localhost"


def seed(apps, schema_editor):
    Community = apps.get_model("accounts", "Community")
    domain = mail_domain()
    for slug, local in ADDRESSES.items():
        Community.objects.filter(slug=slug, contact_email="").update(contact_email=f"{local}@{domain}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_saml_identity_providers")]
    operations = [
        migrations.AddField(
            model_name="community",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                help_text="Published as the point of contact's address of the records whose depositor did not "
                "publish one of their own. Empty: the repository's address (OAI_ADMIN_EMAIL).",
                max_length=254,
                verbose_name="contact address",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
