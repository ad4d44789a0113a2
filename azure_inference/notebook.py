"""One-line set-up for notebooks and scripts: your deployment from the environment, or the bundled emulator.

    >>> from azure_inference.notebook import connect
    >>> backend = connect()  # doctest: +SKIP
    >>> ChatAzureInference(deployment=backend.profile)  # doctest: +SKIP

With ``AZURE_INFERENCE_ENDPOINT`` set (and ``AZURE_INFERENCE_CREDENTIAL``, ``AZURE_INFERENCE_MODEL``,
``AZURE_INFERENCE_EMBEDDINGS_MODEL`` as needed) the profiles point at that deployment. Otherwise the emulator
(the ``[emulator]`` extra) starts on a free loopback port on a background thread. Either way a profile file
with the same names is written to a temporary directory and ``AZURE_INFERENCE_CONFIG`` names it, so
``deployment="emulator-v1"`` and friends work from any working directory, inside the repository or not.
``close()`` (also run at interpreter exit) stops the emulator and restores the environment.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator import EmulatorHandle

__all__ = ["PROFILES", "NotebookBackend", "connect"]

PROFILES = """\
# Written by azure_inference.notebook.connect(). A chat profile X has its embeddings in profile X-embeddings.
# ${AZURE_INFERENCE_EMULATOR_URL} is the emulator's base URL; the azure* profiles read your environment.

[profiles.emulator-v1]                  # Azure OpenAI / Foundry v1 ("/openai/v1", no api-version)
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/openai/v1"
model = "gpt-4o"

[profiles.emulator-v1-embeddings]
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/openai/v1"
model = "text-embedding-3-large"

[profiles.emulator]                     # the retired Azure AI Model Inference API ("/models"), still supported
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/models"
model = "gpt-4o-mini"

[profiles.emulator-embeddings]
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/models"
model = "text-embedding-3-small"

[profiles.emulator-aoai]                # classic Azure OpenAI deployment ("/openai/deployments/<name>")
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/openai/deployments/gpt-4o-mini"
model = "gpt-4o-mini"

[profiles.emulator-aoai-embeddings]
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/openai/deployments/text-embedding-3-small"
model = "text-embedding-3-small"

[profiles.emulator-local]               # any local OpenAI-compatible server (vLLM, llama.cpp, Ollama)
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/v1"
model = "Mistral-large-2411"

[profiles.emulator-local-embeddings]
endpoint = "${AZURE_INFERENCE_EMULATOR_URL}/v1"
model = "Cohere-embed-v3-multilingual"

[profiles.azure]
endpoint = "${AZURE_INFERENCE_ENDPOINT}"
credential_env = "AZURE_INFERENCE_CREDENTIAL"
model = "${AZURE_INFERENCE_MODEL:-gpt-4o-mini}"

[profiles.azure-embeddings]
endpoint = "${AZURE_INFERENCE_EMBEDDINGS_ENDPOINT}"   # connect() defaults it to AZURE_INFERENCE_ENDPOINT
credential_env = "AZURE_INFERENCE_CREDENTIAL"
model = "${AZURE_INFERENCE_EMBEDDINGS_MODEL:-text-embedding-3-small}"
"""
"""The profile file :func:`connect` writes (format: :func:`azure_inference.load_profiles`)."""


class NotebookBackend:
    """What :func:`connect` set up.

    Attributes:
        emulator: The running emulator's handle (``None`` against a real deployment): ``.url``,
            ``.control`` (queue replies and faults, read the request log).
        profile: The chat profile to pass as ``deployment=`` (``emulator-v1`` or ``azure``).
        embeddings_profile: The matching embeddings profile.
        profiles_file: The profile file ``AZURE_INFERENCE_CONFIG`` names while the backend is open.
    """

    def __init__(self, emulator: EmulatorHandle | None, profiles_file: Path, stack: ExitStack) -> None:
        self.emulator = emulator
        self.profile = "emulator-v1" if emulator is not None else "azure"
        self.embeddings_profile = self.profile + "-embeddings"
        self.profiles_file = profiles_file
        self._stack = stack

    @property
    def url(self) -> str:
        """Where the models are: the emulator's base URL, or ``AZURE_INFERENCE_ENDPOINT``."""
        return self.emulator.url if self.emulator is not None else os.environ.get("AZURE_INFERENCE_ENDPOINT", "")

    def close(self) -> None:
        """Stop the emulator, remove the profile file and restore the environment (idempotent)."""
        self._stack.close()

    def __enter__(self) -> NotebookBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f"emulator at {self.url}" if self.emulator is not None else "AZURE_INFERENCE_ENDPOINT"
        return f"NotebookBackend({where}, profile={self.profile!r}, embeddings_profile={self.embeddings_profile!r})"


def connect(*, emulator: bool | None = None, **emulator_config: Any) -> NotebookBackend:
    """Set up the profiles, and start the emulator unless ``AZURE_INFERENCE_ENDPOINT`` is set.

    Args:
        emulator: ``True`` always starts the emulator, ``False`` never does; ``None`` (the default) starts it
            when ``AZURE_INFERENCE_ENDPOINT`` is not set.
        **emulator_config: :class:`~azure_inference.emulator.EmulatorConfig` fields for the emulator.

    Returns:
        The backend; print it to see where the models are.

    Raises:
        ImportError: the emulator is needed but the ``[emulator]`` extra is not installed.
    """
    use_emulator = not os.environ.get("AZURE_INFERENCE_ENDPOINT") if emulator is None else emulator
    stack = ExitStack()
    directory = Path(tempfile.mkdtemp(prefix="azure-inference-notebook-"))
    stack.callback(shutil.rmtree, directory, ignore_errors=True)
    profiles_file = directory / "azure-inference.toml"
    text = PROFILES
    if not os.environ.get("AZURE_INFERENCE_CREDENTIAL"):  # a keyless server (local, or Entra passed in code)
        text = text.replace('credential_env = "AZURE_INFERENCE_CREDENTIAL"\n', "")
    profiles_file.write_text(text, encoding="utf-8")
    _set_env(stack, "AZURE_INFERENCE_CONFIG", str(profiles_file))
    handle = None
    if use_emulator:
        try:
            from .emulator import EmulatorConfig, run_emulator_in_thread
        except ModuleNotFoundError as exc:
            stack.close()
            raise ImportError(
                'the emulator needs the [emulator] extra: pip install "azure-inference-adapters[emulator]" '
                "(or set AZURE_INFERENCE_ENDPOINT to use your deployment)"
            ) from exc
        handle = stack.enter_context(run_emulator_in_thread(EmulatorConfig(**emulator_config)))
        _set_env(stack, "AZURE_INFERENCE_EMULATOR_URL", handle.url)
    elif not os.environ.get("AZURE_INFERENCE_EMBEDDINGS_ENDPOINT"):
        _set_env(stack, "AZURE_INFERENCE_EMBEDDINGS_ENDPOINT", os.environ.get("AZURE_INFERENCE_ENDPOINT", ""))
    backend = NotebookBackend(handle, profiles_file, stack)
    atexit.register(backend.close)
    stack.callback(atexit.unregister, backend.close)
    return backend


def _set_env(stack: ExitStack, name: str, value: str) -> None:
    """Set an environment variable until ``stack`` closes, then put back what was there."""
    previous = os.environ.get(name)
    os.environ[name] = value

    def restore() -> None:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous

    stack.callback(restore)
