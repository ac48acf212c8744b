"""URL map: pages, the REST API, the DOI resolver, OAI-PMH, health."""

from django.contrib import admin
from django.urls import include, path, register_converter

from accounts.saml.views import metadata as saml_sp_metadata
from config.api import api
from core.converters import IdConverter
from core.views import healthz
from oai.views import endpoint as oai_endpoint
from repository.sitemaps import robots_txt, sitemap_index, sitemap_section

# `<id:pk>` in every app's URLs: registered before the apps' URL modules are included below.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", include("repository.urls")),
    path("deposits/", include("deposit.urls")),
    path("review/", include("deposit.urls_reviewer")),
    path("moderation/", include("moderation.urls")),
    path("notifications/", include("notifications.urls")),
    path("vocabularies/", include("vocabularies.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("saml/metadata", saml_sp_metadata, name="saml-sp-metadata"),
    path("api/", api.urls),
    path("oai", oai_endpoint, name="oai"),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
