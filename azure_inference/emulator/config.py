"""Emulator configuration: catalog, keys, content-safety blocklists, faults (from flags or TOML)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, CatalogError
from .faults import Fault
from .quota import QuotaSettings

DEFAULT_FILTER_CATEGORY = "violence"
FILTER_CATEGORY_NAMES = ("hate", "self_harm", "sexual", "violence")


@dataclass
class EmulatorConfig:
    """Everything that shapes an emulator's behaviour at startup.

    Attributes:
        catalog: The models served.
        keys: Accepted API keys; empty means no authentication (open).
        single_model: When set, every request is served by this model and the body's ``model`` is ignored,
            as on an Azure serverless endpoint (docs/wire.md §10).
        prompt_blocklist: Blocked term → content-filter category; a prompt containing one gets a 400
            ``content_filter`` error.
        output_blocklist: Blocked term → category; an output containing one is cut with
            ``finish_reason: "content_filter"``.
        faults: Faults active from startup (``POST /_emulator/reset`` restores them).
        latency_ms: Delay added to every model request.
        log_limit: How many requests the log keeps.
        log_max_bytes: How many body bytes the log keeps in all; the oldest entries go first (issue 12).
        max_body_bytes: The largest request body accepted; a larger one gets 413 (issue 12).
        chunk_tokens: Tokens per streamed content chunk.
        lenient: Accept what the service refuses on OpenAI-style routes (``max_tokens`` and sampling fields on
            reasoning models, non-strict schemas with ``strict: true``); strict by default (see ``strict.py``).
        retire_model_inference: Answer every Model Inference API route (``/models``, ``/``, ``/api/models``) as
            a retired deployment does (404, docs/wire.md §V1.6), to try a pipeline against the API's retirement.
        quota: Quota mode: TPM / RPM per deployment (``quota.py``, docs/quota.md); off when it names none.
    """

    catalog: Catalog = field(default_factory=Catalog.default)
    keys: tuple[str, ...] = ()
    single_model: str | None = None
    prompt_blocklist: dict[str, str] = field(default_factory=dict)
    output_blocklist: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    latency_ms: int = 0
    log_limit: int = 10_000
    log_max_bytes: int = 64 * 1024 * 1024
    max_body_bytes: int = 32 * 1024 * 1024
    chunk_tokens: int = 3
    lenient: bool = False
    retire_model_inference: bool = False
    quota: QuotaSettings = field(default_factory=QuotaSettings)

    def validate(self) -> None:
        """Raise :class:`CatalogError` when the settings contradict the catalog."""
        if self.single_model is not None and self.catalog.get(self.single_model) is None:
            raise CatalogError(f"--single-model {self.single_model!r} is not in the catalog")

    def apply_settings(self, settings: Mapping[str, Any]) -> None:
        """Apply an ``[emulator]`` TOML table (keys, single_model, blocklists, faults, latency_ms, ...)."""
        for key, value in settings.items():
            if key == "keys":
                self.keys = (*self.keys, *[str(k) for k in value])
            elif key == "single_model":
                self.single_model = str(value)
            elif key == "prompt_blocklist":
                self.prompt_blocklist.update(parse_blocklist(value))
            elif key == "output_blocklist":
                self.output_blocklist.update(parse_blocklist(value))
            elif key == "faults":
                self.faults.extend(Fault.from_dict(f) for f in value)
            elif key in ("latency_ms", "log_limit", "log_max_bytes", "max_body_bytes", "chunk_tokens"):
                setattr(self, key, int(value))
            elif key in ("lenient", "retire_model_inference"):
                setattr(self, key, bool(value))
            elif key == "quota" and isinstance(value, Mapping):
                self.quota.apply(value)
            else:
                raise CatalogError(f"[emulator] unknown key {key!r}")


def parse_blocklist(value: Any) -> dict[str, str]:
    """Blocklist entries from a table (term → category) or a list of ``term`` / ``term:category``."""
    items: Iterable[tuple[str, str]]
    if isinstance(value, Mapping):
        items = ((str(k), str(v)) for k, v in value.items())
    elif isinstance(value, str):
        items = [_term(value)]
    else:
        items = [_term(str(v)) for v in value]
    out = {}
    for term, category in items:
        if category not in FILTER_CATEGORY_NAMES:
            raise CatalogError(f"blocklist {term!r}: category must be one of {FILTER_CATEGORY_NAMES}")
        out[term.lower()] = category
    return out


def _term(spec: str) -> tuple[str, str]:
    term, _, category = spec.partition(":")
    return term, category or DEFAULT_FILTER_CATEGORY


class Blocklist:
    """A compiled blocklist: finds the first blocked term in a text (whole words, case-insensitive)."""

    def __init__(self, terms: Mapping[str, str]):
        self.terms = {k.lower(): v for k, v in terms.items()}
        pattern = "|".join(re.escape(t) for t in sorted(self.terms, key=len, reverse=True))
        self._re = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) if pattern else None

    def search(self, text: str) -> tuple[int, str] | None:
        """``(position, category)`` of the first blocked term in ``text``, or None."""
        if self._re is None or not text:
            return None
        m = self._re.search(text)
        return (m.start(), self.terms[m.group(0).lower()]) if m else None
