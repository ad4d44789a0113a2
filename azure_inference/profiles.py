"""Deployment profiles in a TOML file: ``[profiles.<name>]`` tables of ``Deployment`` fields."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = ["default_profile_name", "load_profiles", "profile_fields"]


def _find_config(path: str | os.PathLike[str] | None) -> Path | None:
    if path is not None:
        return Path(path)
    if os.environ.get("AZURE_INFERENCE_CONFIG"):
        return Path(os.environ["AZURE_INFERENCE_CONFIG"])
    for candidate in (Path("azure-inference.toml"), Path.home() / ".config" / "azure-inference" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _config_path(path: str | os.PathLike[str] | None) -> Path:
    found = _find_config(path)
    if found is None:
        raise ConfigurationError(
            "no profile file: set AZURE_INFERENCE_CONFIG to a TOML file, or create ./azure-inference.toml"
        )
    return found


def default_profile_name(path: str | os.PathLike[str] | None = None) -> str | None:
    """The ``default_profile`` of the profile file, or ``None`` when there is no file or it names none.

    The file is looked up as ``load_profiles`` does; a file that exists but cannot be read still raises
    ``ConfigurationError`` (a broken file should not be skipped in silence).
    """
    if _find_config(path) is None:
        return None
    profiles, _ = load_profiles(path)
    name = profiles.get("__default__", {}).get("name")
    return name if isinstance(name, str) and name else None


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(value: str, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigurationError(f"{where} refers to ${{{name}}}, which is not set in the environment")

    return _VAR.sub(sub, value)


def profile_fields(raw: Mapping[str, Any], name: str, source: Path) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"profile {name!r} in {source}"
        if key == "credential_env":
            if not isinstance(value, str) or value not in os.environ:
                raise ConfigurationError(f"{where}: credential_env names {value!r}, which is not set")
            data["credential"] = os.environ[value]
        elif isinstance(value, str):
            data[key] = _expand(value, f"{where} ({key})")
        else:
            data[key] = value
    return data


def load_profiles(path: str | os.PathLike[str] | None = None) -> tuple[dict[str, dict[str, Any]], Path]:
    """Read profiles from TOML: ``[profiles.<name>]`` tables with ``Deployment`` fields.

    The file is ``path``, else ``$AZURE_INFERENCE_CONFIG``, else ``./azure-inference.toml``, else
    ``~/.config/azure-inference/config.toml``. Secrets should not live in the file: use
    ``credential_env = "VAR"``; any string may use ``${VAR}`` or ``${VAR:-default}``. A top-level
    ``default_profile = "<name>"`` names the profile used when none is asked for.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    source = _config_path(path)
    try:
        with source.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigurationError(f"profile file {source} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"profile file {source} is not valid TOML: {exc}") from None
    profiles = doc.get("profiles")
    if not isinstance(profiles, dict):
        raise ConfigurationError(f"{source} has no [profiles.<name>] tables")
    result: dict[str, dict[str, Any]] = {k: dict(v) for k, v in profiles.items() if isinstance(v, dict)}
    if isinstance(doc.get("default_profile"), str):
        result["__default__"] = {"name": doc["default_profile"]}
    return result, source
