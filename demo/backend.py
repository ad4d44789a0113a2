"""Where the demo's models live: the bundled emulator (default) or a real deployment, chosen by configuration.

A *target* is a chat profile plus its embeddings profile (``<name>-embeddings``) from ``demo/profiles.toml``
(or the file in ``AZURE_INFERENCE_CONFIG``). The demo never builds endpoints in code: it starts the emulator,
exports its URL as ``AZURE_INFERENCE_EMULATOR_URL`` for the profiles' ``${...}`` expansion, and loads profiles.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from azure_inference import Deployment, load_profiles, lookup_model
from azure_inference.emulator import EmulatorHandle, run_emulator

__all__ = [
    "EMULATOR_URL_VAR",
    "PROFILES_FILE",
    "Backend",
    "Target",
    "choose_profiles",
    "describe",
    "load_backend",
    "profiles_path",
    "start_emulator",
    "steady_sampling",
]

PROFILES_FILE = Path(__file__).resolve().parent / "profiles.toml"
"""The bundled profiles (emulator surfaces, and ``azure*`` profiles read from the environment)."""
EMULATOR_URL_VAR = "AZURE_INFERENCE_EMULATOR_URL"
"""The variable the emulator profiles expand; set once the emulator is up."""


def profiles_path() -> Path:
    """``$AZURE_INFERENCE_CONFIG`` when set (your own profiles), else the bundled ``demo/profiles.toml``."""
    configured = os.environ.get("AZURE_INFERENCE_CONFIG")
    return Path(configured) if configured else PROFILES_FILE


def steady_sampling(dep: Deployment) -> dict[str, float]:
    """``temperature=0`` (real models answer the same way each run), except for a model that refuses it.

    Reasoning models take no sampling fields (docs/wire.md §V1.2.1): the transport would leave it out with a warning.
    """
    card = lookup_model(dep.model_family or dep.model)
    return {} if card is not None and "temperature" in card.refused_params else {"temperature": 0.0}


def describe(dep: Deployment) -> str:
    """``name (surface, model)``: the line printed for "served by"."""
    return f"{dep.label} ({dep.resolved_surface.value}, {dep.model or 'default model'})"


@dataclass(frozen=True)
class Target:
    """One configuration of the pipeline: a chat deployment and the embeddings deployment next to it.

    Attributes:
        profile: The chat profile's name.
        chat: The chat model's deployment.
        embeddings: The embedding model's deployment (profile ``<profile>-embeddings``).
    """

    profile: str
    chat: Deployment
    embeddings: Deployment

    @classmethod
    def load(cls, profile: str, path: Path | None = None) -> Target:
        """Load ``profile`` and ``profile-embeddings`` from the profile file."""
        source = path or profiles_path()
        chat = Deployment.from_profile(profile, source)
        embeddings = Deployment.from_profile(f"{profile}-embeddings", source)
        return cls(profile=profile, chat=chat, embeddings=embeddings)


def choose_profiles(first: str | None = None, second: str | None = None) -> tuple[str, str | None]:
    """The two profiles the demo runs: arguments, then the environment, then the defaults of the mode.

    Live mode (``AZURE_INFERENCE_ENDPOINT`` set) defaults to ``azure``, and runs the switch step on
    ``azure-alt`` only when ``AZURE_INFERENCE_ALT_MODEL`` names a second model. Emulator mode defaults to the
    file's ``default_profile`` (``/openai/v1`` with a reasoning model) and ``emulator``, the retired Model
    Inference API, which stays supported (``emulator-v1`` when the first profile is already ``emulator``).
    """
    live = bool(os.environ.get("AZURE_INFERENCE_ENDPOINT"))
    first = first or os.environ.get("AZURE_INFERENCE_PROFILE")
    second = second or os.environ.get("DEMO_SECOND_PROFILE")
    if live:
        return first or "azure", second or ("azure-alt" if os.environ.get("AZURE_INFERENCE_ALT_MODEL") else None)
    if not first:
        profiles, _ = load_profiles(profiles_path())
        first = profiles.get("__default__", {}).get("name") or "emulator"
    return first, second or ("emulator-v1" if first == "emulator" else "emulator")


@dataclass
class Backend:
    """The running backend of one demo run.

    Attributes:
        mode: ``emulator`` (bundled, offline) or ``azure`` (``AZURE_INFERENCE_ENDPOINT`` is set).
        first: The main target.
        second: The target of the switch step (``None``: skipped).
        emulator: The emulator's handle in emulator mode.
    """

    mode: Literal["emulator", "azure"]
    first: Target
    second: Target | None
    emulator: EmulatorHandle | None = None

    def forget_requests(self) -> None:
        """Empty the emulator's request log (so a step can show exactly the requests it made)."""
        if self.emulator is not None:
            self.emulator.control.clear_requests()

    def requests_summary(self) -> str | None:
        """``POST /models/chat/completions gpt-4o-mini ×2, ...`` for the requests since ``forget_requests``."""
        if self.emulator is None:
            return None
        counts: Counter[str] = Counter()
        for req in self.emulator.control.requests():
            body = req["body"] if isinstance(req["body"], dict) else {}
            model = f" {body['model']}" if isinstance(body.get("model"), str) else ""
            counts[f"{req['method']} {req['path']}{model}"] += 1
        return ", ".join(f"{line} ×{n}" if n > 1 else line for line, n in counts.items()) or "(none)"


@contextmanager
def start_emulator() -> Iterator[EmulatorHandle | None]:
    """Start the emulator unless ``AZURE_INFERENCE_ENDPOINT`` is set (then yield ``None``); stop it on exit.

    The emulator subprocess is stopped when the block exits for any reason (normal end, error, Ctrl-C, or the
    ``SystemExit`` the demo raises on SIGTERM), and ``AZURE_INFERENCE_EMULATOR_URL`` is restored.
    """
    if os.environ.get("AZURE_INFERENCE_ENDPOINT"):
        # The embeddings profiles read their own endpoint; by default it is the chat endpoint.
        os.environ.setdefault("AZURE_INFERENCE_EMBEDDINGS_ENDPOINT", os.environ["AZURE_INFERENCE_ENDPOINT"])
        yield None
        return
    with ExitStack() as stack:
        emulator = stack.enter_context(run_emulator())
        stack.callback(_restore_env, EMULATOR_URL_VAR, os.environ.get(EMULATOR_URL_VAR))
        os.environ[EMULATOR_URL_VAR] = emulator.url
        yield emulator


def load_backend(emulator: EmulatorHandle | None, first: str | None = None, second: str | None = None) -> Backend:
    """Load the two targets (see :func:`choose_profiles`) for the running backend."""
    first_name, second_name = choose_profiles(first, second)
    return Backend(
        mode="emulator" if emulator is not None else "azure",
        first=Target.load(first_name),
        second=Target.load(second_name) if second_name else None,
        emulator=emulator,
    )


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
