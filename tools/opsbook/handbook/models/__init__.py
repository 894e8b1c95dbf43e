"""Pydantic models, one per document kind. No I/O here."""
