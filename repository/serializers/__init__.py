"""Export formats of the metadata document: one module per format."""
