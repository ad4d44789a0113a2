"""Shared fixtures: real emulator subprocesses on loopback.

Fixtures (all start ``python -m azure_inference.emulator --port 0`` through
:func:`azure_inference.emulator.run_emulator`, so they exercise the real CLI and the real HTTP stack):

- ``emulator`` (session): one open emulator (no API key) with the built-in catalog. The handle has
  ``.url`` (``http://127.0.0.1:<port>``), ``.endpoint`` (``<url>/models``), ``.openai_v1``,
  ``.deployment(name)`` and ``.control`` (an :class:`~azure_inference.emulator.EmulatorControl`:
  ``queue_chat``, ``queue_error``, ``queue_fault``, ``set_faults``, ``requests``, ``reset``, ...).
  It is shared: do not leave script entries or faults behind; prefer ``emu``.
- ``emu`` (function): the same session emulator, reset (script, faults, blocklists, request log) before the
  test; after the test it asserts the emulator answered no request with an internal error (a bug).
- ``keyed_emulator`` (session): a second emulator that requires the key ``KEYED_EMULATOR_KEY``
  (``"test-key"``) in ``api-key`` or ``Authorization: Bearer``; reset it yourself if you script it.

Hypothesis profiles: ``ci`` (chosen when ``CI=true`` or ``HYPOTHESIS_PROFILE=ci``) derandomizes every property
test, so a red CI run never depends on the examples a random seed happened to draw; local runs keep Hypothesis's
default random exploration (and its example database), which is how new failures are found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import settings

from azure_inference.emulator import EmulatorHandle, run_emulator

KEYED_EMULATOR_KEY = "test-key"

# Same examples on every run, no example database, no per-example deadline (a shared 2-core runner is slow).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)


def hypothesis_profile(environ: Mapping[str, str]) -> str | None:
    """The Hypothesis profile this environment asks for: ``HYPOTHESIS_PROFILE``, else ``ci`` when ``CI=true``."""
    if environ.get("HYPOTHESIS_PROFILE"):
        return environ["HYPOTHESIS_PROFILE"]
    return "ci" if environ.get("CI", "").lower() in {"true", "1"} else None


_PROFILE = hypothesis_profile(os.environ)
if _PROFILE:
    settings.load_profile(_PROFILE)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorHandle]:
    """One open emulator subprocess for the whole session."""
    with run_emulator() as handle:
        yield handle


@pytest.fixture
def emu(emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The session emulator, reset before the test and checked for internal errors after it."""
    emulator.control.reset()
    before = emulator.control.health()["internal_errors"]
    yield emulator
    after = emulator.control.health()["internal_errors"]
    emulator.control.reset()
    assert after == before, f"the emulator hit {after - before} internal error(s):\n{emulator.stderr()[-4000:]}"


@pytest.fixture(scope="session")
def keyed_emulator() -> Iterator[EmulatorHandle]:
    """An emulator subprocess that requires ``KEYED_EMULATOR_KEY``."""
    with run_emulator(keys=[KEYED_EMULATOR_KEY]) as handle:
        yield handle


# Quota mode (issue 14; docs/quota.md): an embeddings and a chat deployment with small quotas and 2 s windows, so a
# burst of a few thousand tokens crosses them in seconds. Clients give their budget a 1 s window (the "Jitter"
# rule of docs/quota.md: shorter than the server's, so requests delayed on the way still fit).
QUOTA_EMBED, QUOTA_CHAT = "text-embedding-3-small", "gpt-4o-mini"
QUOTA_EMBED_TPM = 30_000  # 500 tokens/s; the emulator's window holds 1,000
QUOTA_CHAT_TPM, QUOTA_CHAT_RPM = 12_000, 600  # 200 tokens/s and 10 requests/s; windows hold 400 and 20


@pytest.fixture(scope="session")
def quota_emulator() -> Iterator[EmulatorHandle]:
    """An emulator subprocess in quota mode (see the constants above)."""
    args = ["--quota", f"{QUOTA_EMBED}={QUOTA_EMBED_TPM}", "--quota", f"{QUOTA_CHAT}={QUOTA_CHAT_TPM}:{QUOTA_CHAT_RPM}"]
    with run_emulator(*args, "--quota-token-window-s", "2", "--quota-request-window-s", "2") as handle:
        yield handle


@pytest.fixture
def qemu(quota_emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The quota emulator with full windows and no counts; the process's shared budgets forgotten."""
    from azure_inference.budget import clear_shared_budgets

    quota_emulator.control.reset()
    clear_shared_budgets()
    yield quota_emulator
    clear_shared_budgets()
    assert quota_emulator.control.health()["internal_errors"] == 0, quota_emulator.stderr()[-4000:]


def quota_stats(handle: EmulatorHandle, deployment: str) -> dict[str, int]:
    """What the emulator admitted, refused (429) and charged for ``deployment`` since the last reset."""
    import httpx

    stats: dict[str, dict[str, int]] = httpx.get(handle.url + "/_emulator/quota", timeout=10).json()["deployments"]
    return stats.get(deployment, {"admitted": 0, "rejected": 0, "tokens": 0})
