"""The account page and API tokens, under /account/ (sign-in itself is allauth's, under /accounts/)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("tokens/new", views.token_create, name="token-create"),
    path("tokens/<id:pk>/revoke", views.token_revoke, name="token-revoke"),
    path("name", views.name_update, name="name-update"),
    path("orcid", views.orcid_update, name="orcid-update"),
    path("identities/<id:pk>/unlink", views.identity_unlink, name="identity-unlink"),
]

# Institutional sign-in (SAML federations): the discovery page, its search, the hand-over to an IdP.
from .saml import views as saml_views  # noqa: E402

urlpatterns += [
    path("login/institution/", saml_views.discovery_page, name="saml-discovery"),
    path("login/institution/search", saml_views.discovery_search, name="saml-discovery-search"),
    path("login/institution/sign-in", saml_views.institution_signin, name="saml-signin"),
]
