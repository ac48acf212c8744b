"""OAI-PMH 2.0 at /oai: how catalogues (the national federated catalogue, GeoNetwork, B2FIND)
harvest the published records, as Dublin Core, DataCite and ISO 19115-3."""
