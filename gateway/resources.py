"""Where the files the gateway reads at run time are: the mail templates, the SQL migrations,
the default routing rules and the example configuration.

All of them ship inside the `gateway` package and are found through importlib.resources, so a
checkout, an editable install and an installed wheel read the same files. The repository keeps
`templates/` and `db/migrations/` at its top level; pyproject.toml maps them into the package as
`gateway.templates` and `gateway.migrations` (each folder carries an `__init__.py` for that), and
`gateway/ldp.example.toml` is a link to the top-level example.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str, in_checkout: str = "") -> Path:
    """The package's folder on disk: jinja2 and the migrations read plain files, and pip
    installs a wheel unpacked, so the resources are always a real folder."""
    try:
        folder = files(package)
    except ModuleNotFoundError:
        # A checkout imported without `pip install -e .` (or installed before the mapping
        # existed): the same files, where the repository keeps them. A wheel always has them.
        return Path(__file__).resolve().parents[1] / in_checkout
    if not isinstance(folder, Path):  # a zip import: not a layout we install
        raise RuntimeError(f"{package} must be installed as files, not inside an archive")
    return folder


def email_templates() -> Path:
    """`{id,en}/NAME.{subject.txt,txt,html}`: the templates of every mail we send."""
    return _folder("gateway.templates", "templates") / "emails"


def migrations() -> Path:
    """`NNNN_name.sql`, applied in the order of their names."""
    return _folder("gateway.migrations", "db/migrations")


def default_rules() -> Path:
    """The routing rules `routing.rules_file = "default"` names."""
    return _folder("gateway.routing") / "default_rules.toml"


def default_actions() -> Path:
    """The catalogue of actions per level `actions.file = "default"` names."""
    return _folder("gateway.desk") / "actions.toml"


def default_lpse() -> Path:
    """The applications and LPSE list `lpse.file = "default"` names."""
    return _folder("gateway.routing") / "lpse.toml"


def example_config() -> Path:
    """`ldp.example.toml`: every option, documented; the demo's starting point."""
    return _folder("gateway") / "ldp.example.toml"
