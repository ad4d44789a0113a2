"""Command line: ``python -m azure_inference.emulator`` / ``azure-inference-emulator``.

Prints the base URL (``http://127.0.0.1:<port>``) as the first line of stdout once it accepts connections
(tools read that line), then the endpoint a user pastes for each surface (:func:`endpoint_lines`), and exits
with code 0 on SIGINT or SIGTERM after a graceful shutdown.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from types import FrameType

import uvicorn

from .app import create_app
from .catalog import CHAT, MODEL_TYPES, Catalog, CatalogError, ModelSpec, load_catalog_toml, spec_from_mapping
from .config import EmulatorConfig, parse_blocklist
from .faults import DroppableHTTPProtocol, Fault
from .validation import API_VERSIONS

# What the transport sends to a /models endpoint by default (azure_inference.config.DEFAULT_API_VERSIONS);
# the emulator does not import the transport, so the value is repeated here and checked by a test.
DEFAULT_API_VERSION = "2024-05-01-preview"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (documented in docs/emulator.md)."""
    p = argparse.ArgumentParser(
        prog="azure-inference-emulator", description="Local emulator of the Azure AI Model Inference API."
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    p.add_argument("--catalog", help="catalog TOML file (models, defaults, [emulator] settings)")
    p.add_argument("--key", action="append", default=[], help="accepted API key (repeatable); none = open")
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME[=TYPE]",
        help="add a model (capabilities all on for chat) and make it the default of its type",
    )
    p.add_argument("--single-model", help="serve only this model and ignore 'model' in bodies (serverless)")
    p.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="TERM[:CATEGORY]",
        help="prompt blocklist term -> 400 content_filter",
    )
    p.add_argument(
        "--block-output",
        action="append",
        default=[],
        metavar="TERM[:CATEGORY]",
        help="output blocklist term -> finish_reason content_filter",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='emulator-wide fault, e.g. \'{"kind": "status", "status": 429, "retry_after": 1}\'',
    )
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every model request")
    p.add_argument("--lenient", action="store_true", help="accept what the service refuses (see strict.py)")
    p.add_argument("--retire-model-inference", action="store_true", help="answer /models routes as retired (404)")
    p.add_argument("--max-body-bytes", type=int, help="largest request body accepted; larger gets 413 (32 MiB)")
    p.add_argument("--log-max-bytes", type=int, help="body bytes the request log keeps, oldest dropped (64 MiB)")
    p.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="NAME=TPM[:RPM]",
        help="quota mode: tokens/requests per minute for a deployment ('*' = every deployment; repeatable)",
    )
    p.add_argument("--quota-token-window-s", type=float, help="seconds of TPM the token window holds (60)")
    p.add_argument("--quota-request-window-s", type=float, help="seconds of RPM the request window holds (10)")
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    p.add_argument("--access-log", action="store_true", help="log each request to stderr")
    return p


def _model_flag(value: str) -> ModelSpec:
    name, _, mtype = value.partition("=")
    mtype = mtype or "chat-completion"
    if mtype not in MODEL_TYPES:
        raise CatalogError(f"--model {value}: type must be one of {', '.join(MODEL_TYPES)}")
    caps = dict(tools=True, json_schema=True, json_object=True, images=True) if mtype == "chat-completion" else {}
    return spec_from_mapping(name, {"types": [mtype], **caps})


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Build the configuration: catalog file, then flags (flags win)."""
    catalog = Catalog.default()
    config = EmulatorConfig(catalog=catalog)
    if args.catalog:
        catalog, settings = load_catalog_toml(args.catalog)
        config.catalog = catalog
        config.apply_settings(settings)
    for value in args.model:
        spec = _model_flag(value)
        config.catalog.add(config.catalog.models.get(spec.name, spec), make_default=True)
    config.keys = (*config.keys, *args.key)
    if args.single_model:
        config.single_model = args.single_model
    config.prompt_blocklist.update(parse_blocklist(args.block))
    config.output_blocklist.update(parse_blocklist(args.block_output))
    config.faults += [Fault.from_dict(json.loads(f)) for f in args.fault]
    config.latency_ms = args.latency_ms or config.latency_ms
    config.lenient = args.lenient or config.lenient
    config.retire_model_inference = args.retire_model_inference or config.retire_model_inference
    if args.max_body_bytes is not None:
        config.max_body_bytes = args.max_body_bytes
    if args.log_max_bytes is not None:
        config.log_max_bytes = args.log_max_bytes
    for spec in args.quota:
        config.quota.add_flag(spec)
    windows = {"token_window_s": args.quota_token_window_s, "request_window_s": args.quota_request_window_s}
    config.quota.apply({k: v for k, v in windows.items() if v is not None})
    config.validate()
    return config


def endpoint_lines(url: str, config: EmulatorConfig) -> list[str]:
    """What to paste as ``AZURE_INFERENCE_ENDPOINT`` (or a client's base URL) for each surface (issue 18).

    The plain base URL alone is no endpoint: its ``/chat/completions`` is the model-inference route, which
    needs an ``api-version`` that OpenAI-compatible clients do not send.
    """
    chat = config.catalog.default_for(CHAT)
    deployment = chat.name if chat is not None else "<model>"
    known = list(API_VERSIONS)
    return [
        "Endpoints (paste one as AZURE_INFERENCE_ENDPOINT or as a client's base URL):",
        f"  OpenAI v1 (no api-version):            {url}/openai/v1",
        f"  Azure AI Model Inference:              {url}/models  (clients add ?api-version=, e.g. "
        f"{DEFAULT_API_VERSION}; known: {known[0]} ... {known[-1]})",
        f"  Azure OpenAI deployment (any version): {url}/openai/deployments/{deployment}",
        f"  OpenAI-compatible (no api-version):    {url}/v1",
        f"  control API (tests):                   {url}/_emulator/health",
    ]


class _Server(uvicorn.Server):
    """uvicorn server that prints the URL once listening and exits 0 on SIGINT/SIGTERM."""

    def __init__(self, config: uvicorn.Config, url: str, lines: Sequence[str] = ()):
        super().__init__(config)
        self.url = url
        self.lines = list(lines)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print("\n".join([self.url, *self.lines]), flush=True)

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn re-raises the captured signal after shutdown (exit status 130/143); an emulator stopped on
        # purpose should exit 0, so only ask for a graceful exit.
        def handle(sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except (CatalogError, ValueError, OSError) as exc:
        print(f"azure-inference-emulator: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"azure-inference-emulator: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        sock.close()
        return 2
    host, port = sock.getsockname()[:2]
    url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
    uv_config = uvicorn.Config(
        create_app(config),
        log_level=args.log_level,
        access_log=args.access_log,
        http=DroppableHTTPProtocol,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = _Server(uv_config, url, endpoint_lines(url, config))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
