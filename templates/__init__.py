"""Not code: marks this folder as the package `gateway.templates` (see gateway/resources.py)."""
