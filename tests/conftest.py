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
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from azure_inference.emulator import EmulatorHandle, run_emulator

KEYED_EMULATOR_KEY = "test-key"


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
