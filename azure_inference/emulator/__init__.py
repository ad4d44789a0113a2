"""``azure_inference.emulator``: a local, deterministic emulator of the Azure AI Model Inference API.

Run it with ``python -m azure_inference.emulator --port 0`` (prints its URL first), or from Python with
:func:`run_emulator` (subprocess) / :func:`run_emulator_in_thread`, and drive it with
:class:`EmulatorControl`. See docs/emulator.md.
"""

from __future__ import annotations

try:  # the `emulator` extra (issue 18): name it instead of a bare ModuleNotFoundError
    import jsonschema  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ModuleNotFoundError as _missing:
    raise ImportError(
        f"azure_inference.emulator needs the 'emulator' extra ({_missing.name} is not installed). "
        'Fix: pip install "azure-inference-adapters[emulator]" (from a clone: pip install -e ".[emulator]").'
    ) from _missing

from .app import create_app
from .catalog import Catalog, ModelSpec, load_catalog_toml
from .client import AsyncEmulatorControl, EmulatorControl, RecordedRequest
from .config import EmulatorConfig
from .faults import Fault
from .testing import EmulatorHandle, EmulatorStartError, run_emulator, run_emulator_in_thread

__all__ = [
    "AsyncEmulatorControl",
    "Catalog",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorHandle",
    "EmulatorStartError",
    "Fault",
    "ModelSpec",
    "RecordedRequest",
    "create_app",
    "load_catalog_toml",
    "run_emulator",
    "run_emulator_in_thread",
]
