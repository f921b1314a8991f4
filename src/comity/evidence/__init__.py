"""Evidence: a chain of custody that survives a foreign court, with encryption at rest."""
