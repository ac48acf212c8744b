"""Template context shared by every page."""

from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "DOI_IS_DEMO": settings.DOI_PROVIDER == "local",
    }
