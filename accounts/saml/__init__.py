"""Institutional sign-in through SAML 2 federations (eduGAIN / Renater).

- `keys`: the service provider's key pair (settings, or generated once into var/);
- `metadata`: the SP metadata that the federation registers (`/saml/metadata`);
- `provider`, `adapter`: allauth's SAML provider fed from the `IdentityProvider` table, the
  attribute mapping and replay protection;
- `federation`: the import of a federation's signed metadata aggregate;
- `discovery`: the "sign in with your institution" page and its search endpoint.
"""
