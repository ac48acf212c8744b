"""Check the file store, and with S3 create the bucket and let browsers upload to it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from repository.storage import S3ObjectStore, StorageError, get_store


class Command(BaseCommand):
    help = (
        "Check the file store (exit status 1 if it cannot be written). With STORAGE_BACKEND=s3: "
        "--create-bucket creates the bucket if missing, --cors lets browsers on SITE_URL (and "
        "CSRF_TRUSTED_ORIGINS) PUT parts and read their ETag."
    )

    def add_arguments(self, parser):
        parser.add_argument("--create-bucket", action="store_true", help="Create the S3 bucket if it is missing.")
        parser.add_argument("--cors", action="store_true", help="Set the bucket's CORS rule for the site's origins.")

    def handle(self, *args, **opts):
        store = get_store()
        if isinstance(store, S3ObjectStore):
            where = f"bucket “{store.bucket}” at {settings.S3_ENDPOINT_URL or 'AWS S3'}"
            try:
                if opts["create_bucket"] and store.create_bucket():
                    self.stdout.write(f"Created the {where}.")
                if opts["cors"]:
                    origins = sorted({settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS})
                    store.set_cors(origins)
                    self.stdout.write(f"CORS: {', '.join(origins)} may upload to the {where}.")
            except StorageError as exc:
                raise CommandError(str(exc)) from exc
        elif opts["create_bucket"] or opts["cors"]:
            raise CommandError("--create-bucket and --cors are for STORAGE_BACKEND=s3.")
        else:
            where = f"folder {store.root}"
        try:
            store.check()
        except StorageError as exc:
            raise CommandError(f"The {where} cannot be used: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Storage ({store.name}) OK: the {where}."))
