"""Not code: marks this folder as the package `gateway.migrations` (see gateway/resources.py)."""
