"""Persistent identifiers: DOI minting, the provider interface and its implementations."""
