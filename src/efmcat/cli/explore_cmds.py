"""Exploring the catalog: similar, sql, browse."""
