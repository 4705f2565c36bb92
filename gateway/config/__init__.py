"""The configuration: what the settings are (`settings`: frozen dataclasses, one per section)
and how they are read (`loader`: TOML plus `LDP_*` overrides, validated once at the edge).
Callers use this package's names; the split only keeps each module to one job."""
from gateway.config.loader import (convert_value, folder_of, from_mapping, is_iso_date, load,
                                   read, resolve_path, resolve_paths, sqlite_path)
from gateway.config.settings import (CHOICES, DEFAULT_CATEGORIES, DEFAULT_SLA_TARGETS,
                                     MIN_SECRET_CHARS, PARTNER_MODES, PRIORITIES, SECTIONS,
                                     SLA_MEASURES, Agent, Answers, Database, Imap, Loops, Partner,
                                     Routing, Security, Settings, Sla, Smtp, Support, Team)
from gateway.errors import ConfigError

__all__ = ["CHOICES", "ConfigError", "DEFAULT_CATEGORIES", "DEFAULT_SLA_TARGETS",
           "MIN_SECRET_CHARS", "PARTNER_MODES", "PRIORITIES", "SECTIONS", "SLA_MEASURES",
           "Agent", "Answers", "Database", "Imap", "Loops", "Partner", "Routing", "Security", "Settings",
           "Sla", "Smtp", "Support", "Team", "convert_value", "folder_of", "from_mapping",
           "is_iso_date", "load", "read", "resolve_path", "resolve_paths", "sqlite_path"]
