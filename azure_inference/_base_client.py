"""Every non-I/O step of a call, shared by the sync and async clients: URLs, headers, bodies, parsing, errors.

``InferenceClient`` and ``AsyncInferenceClient`` differ only in how they send (``client.py``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from ._chat_shape import ChatShaper
from ._config_checks import header_problem
from ._embed_steps import EmbedSteps
from ._error_map import bad_body, status_error
from ._quota import budget_for, request_cost
from ._requests import (
    CHAT_PARAM_NAMES,
    COMPLETION_PARAM_NAMES,
    build_chat_body,
    build_completion_body,
    encode_json,
)
from ._response import ResponseView, as_view, request_id
from ._responses_call import ResponsesSteps, responses_url
from ._sender import PreparedRequest
from ._validate import check_params, check_texts
from ._version import __version__
from .auth import Authenticator
from .config import Deployment
from .errors import (
    APIStatusError,
    InvalidRequestError,
    ResponseValidationError,
    RouteNotSupportedError,
)
from .models.chat import ChatCompletions
from .models.info import ModelInfo
from .retry import RetryPolicy, retry_delay, should_retry

if TYPE_CHECKING:
    from .budget import Budget

__all__ = ["BaseClient", "Flow", "PreparedRequest"]

log = logging.getLogger("azure_inference")
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

Flow = Generator[PreparedRequest, tuple[Any, bytes], R]
"""A call written once for both clients: it yields each request to send and gets back the response view and
body (or has the error thrown into it); its return value is the call's result. ``InferenceClient._run`` and
``AsyncInferenceClient._run`` drive it, the way httpx's clients drive ``Auth.auth_flow``."""

_MAX_ADAPT_ROUNDS = 6  # more than the closed list can make for one body (adapt.py)

ChatSent = tuple[Any, bytes, dict[str, Any], tuple[str, ...]]
"""What ``_chat_flow`` returns: the reply (a stream's, unread), its body, the body sent, the adaptations made."""


class BaseClient(EmbedSteps, ResponsesSteps):
    """Shared state and pure steps. Not used directly: see ``InferenceClient`` and ``AsyncInferenceClient``."""

    def __init__(
        self,
        deployment: Deployment | str | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        budget: Budget | None = None,
        **overrides: Any,
    ) -> None:
        self.deployment = Deployment.resolve(deployment, **overrides)
        self._budget = budget_for(self.deployment, budget)
        self.retry_policy = retry_policy or RetryPolicy()
        self._auth = Authenticator(self.deployment)
        self._model_info: ModelInfo | None = None
        self._info_missing: RouteNotSupportedError | None = None
        self._base64_ok: bool | None = None
        dep = self.deployment
        self._surface = dep.resolved_surface
        self._rules = rules = dep.rules
        self._timeout = httpx.Timeout(dep.timeout, connect=min(dep.connect_timeout, dep.timeout))
        version = dep.resolved_api_version
        query = f"?api-version={version}" if version else ""
        base = dep.base_url
        # Built once: every call looks its URL up here; /responses has its own shape on Azure OpenAI.
        self._urls = {route: f"{base}{route}{query}" for route in rules.routes if route != "/responses"}
        url = responses_url(dep, rules, query)
        if url is not None:
            self._urls["/responses"] = url
        since = rules.info_model_query_since
        if "/info" in self._urls and dep.model and since and (version or "") >= since:
            # docs/wire.md §7: S25+ take ?model= on multi-model endpoints.
            self._urls["/info"] += f"&model={quote(dep.model, safe='')}"
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"azure-inference-adapters/{__version__} httpx/{httpx.__version__}",
            **dep.headers,
        }
        self._body_model = dep.model if rules.model_in_body else None
        self._chat = ChatShaper(dep)

    def __repr__(self) -> str:
        dep = self.deployment
        return f"{type(self).__name__}(endpoint={dep.endpoint!r}, surface={self._surface.value!r}, model={dep.model!r})"

    # -- request building ---------------------------------------------------------------------------------

    def _prepare(
        self,
        route: str,
        body: dict[str, Any] | None,
        *,
        has_extra: bool = False,
        extra_parameters: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        accept: str | None = None,
    ) -> PreparedRequest:
        hdrs = dict(self._headers)
        hdrs["x-ms-client-request-id"] = str(uuid.uuid4())
        if self._rules.extra_parameters_header and body is not None:
            mode = extra_parameters or self.deployment.extra_parameters or ("pass-through" if has_extra else None)
            if mode:
                hdrs["extra-parameters"] = mode  # docs/wire.md §2.2
        if accept:
            hdrs["Accept"] = accept
        if headers:
            problem = header_problem(headers)
            if problem:  # refused here, before sending: a local error is never retried
                raise InvalidRequestError(f"headers=: {problem}")
            hdrs.update(headers)
        url = self._urls[route]
        if timeout is not None:
            tmo = httpx.Timeout(timeout, connect=min(self.deployment.connect_timeout, timeout))
        else:
            tmo, timeout = self._timeout, self.deployment.timeout
        content = encode_json(body) if body is not None else None
        method = "POST" if body is not None else "GET"
        cost = request_cost(body) if self._budget is not None else None
        limit = self.deployment.max_response_bytes
        return PreparedRequest(method, url, hdrs, content, tmo, timeout, route, limit, cost)

    def _prepare_chat(self, messages: Sequence[Any], params: Mapping[str, Any], stream: bool) -> PreparedRequest:
        """The first request ``_chat_flow`` sends (the same checks and shaping; nothing is sent here)."""
        flow = self._chat_flow(messages, params, stream)
        try:
            return next(flow)
        finally:
            flow.close()

    def _prepare_completion(self, prompt: Any, params: Mapping[str, Any], stream: bool) -> PreparedRequest:
        check_params(params, COMPLETION_PARAM_NAMES, "complete")
        body, extra = build_completion_body(prompt, params, self.deployment.model_params, self._body_model)
        return self._prepare_generation("/completions", body, extra, params, stream)

    def _prepare_generation(
        self, route: str, body: dict[str, Any], extra: bool, params: Mapping[str, Any], stream: bool
    ) -> PreparedRequest:
        if stream:
            body["stream"] = True
            # The Model Inference spec has no stream_options: usage arrives on the last chunk there (docs/wire.md §4).
            if params.get("stream_usage") is not False and self._rules.stream_usage:
                body["stream_options"] = {"include_usage": True}
        return self._prepare(
            route,
            body,
            has_extra=extra,
            extra_parameters=params.get("extra_parameters"),
            headers=params.get("headers"),
            timeout=params.get("timeout"),
            accept="text/event-stream" if stream else None,
        )

    @staticmethod
    def _texts(texts: str | Sequence[str]) -> list[str]:
        return check_texts(texts)

    # -- calls written once for both clients (generator flows) ----------------------------------------------

    def _info_flow(self) -> Flow[ModelInfo]:
        """``GET /info`` once per client: the answer is cached, and so is "this endpoint has no /info"."""
        if self._model_info is None:
            if self._info_missing is not None:
                raise self._info_missing
            if not self._rules.info:
                self._info_missing = RouteNotSupportedError(
                    f"the {self._surface.value} surface has no /info route; set the model's details in configuration",
                    status_code=404,
                )
                raise self._info_missing
            try:
                view, content = yield self._prepare("/info", None)
            except RouteNotSupportedError as err:
                self._info_missing = err
                raise
            self._model_info = self._parse(ModelInfo, content, view)
            self._chat.info_model = self._model_info.model_name or None
        return self._model_info

    def _chat_flow(self, messages: Sequence[Any], params: Mapping[str, Any], stream: bool) -> Flow[ChatSent]:
        """A chat call, streamed or not: shaped for the model, and adapted once to a recognised refusal.

        The body is shaped before sending (known-model rules, then what this client learned); a refusal on the
        closed list (``adapt.py``) is rewritten and sent once more, and remembered, so the next call is shaped
        before sending. A stream adapts the same way: the refusal arrives before the stream starts.
        """
        check_params(params, CHAT_PARAM_NAMES, "chat")  # a misspelt keyword is refused before sending
        adapt = self._chat.adapting(params)
        body, extra = build_chat_body(
            messages, params, self.deployment.model_params, self._body_model, self.deployment.max_prompt_chars
        )
        body, notes = self._chat.shape(body, adapt)
        # The service names one refused field per answer (docs/wire.md §V1.2.2), so each refusal gets its one retry;
        # the closed list bounds the rounds (a rewrite that changes nothing ends them: the error stands).
        for _ in range(_MAX_ADAPT_ROUNDS):
            try:
                view, content = yield self._prepare_generation("/chat/completions", body, extra, params, stream)
            except APIStatusError as err:
                redo = self._chat.rewrite(err, body) if adapt else None
                if redo is None:
                    raise
                body, done = redo
                notes += tuple(r.describe() for r in done)
            else:
                return view, content, body, notes
        view, content = yield self._prepare_generation("/chat/completions", body, extra, params, stream)
        return view, content, body, notes

    def _chat_result(self, sent: ChatSent) -> ChatCompletions:
        view, content, body, notes = sent
        result = self._parse(ChatCompletions, content, view)
        self._chat.answered(body, result.model)
        result._adaptations = notes
        return result

    # -- response handling --------------------------------------------------------------------------------

    def _parse(self, model: type[M], content: bytes, response: ResponseView | httpx.Response) -> M:
        try:
            result = model.model_validate_json(content)
        except ValidationError as exc:
            raise bad_body(as_view(response), content, exc, self._auth.secrets) from None
        if not getattr(result, "choices", True):
            # A completion without a choice is no answer (docs/wire.md §3): say so here rather than hand on an empty
            # list that ``response.choices[0]`` turns into an IndexError far from the cause.
            view = as_view(response)
            raise ResponseValidationError(
                f"{view.method} {view.path}: the response has no choices (status {view.status_code}); the server "
                "answered without a completion. Retry, or report it with the request id "
                f"{view.request_id or '(none)'}",
                status_code=view.status_code,
            )
        return result

    def _status_error(self, response: ResponseView | httpx.Response, content: bytes) -> APIStatusError:
        return status_error(as_view(response), content, self._auth.secrets)

    def _log_response(self, req: PreparedRequest, status: int | str, started: float, headers: Any = None) -> None:
        """One DEBUG line per attempt: method, path, status, elapsed time, request id; never headers or bodies."""
        if log.isEnabledFor(logging.DEBUG):
            rid = request_id(headers) if headers is not None else None
            log.debug(
                "%s %s -> %s in %.1f ms (request id %s)",
                req.method,
                req.url.split("?")[0],
                status,
                (time.perf_counter() - started) * 1000,
                rid or req.headers.get("x-ms-client-request-id"),
            )

    def _retry_wait(self, err: Exception, attempt: int) -> float | None:
        """Seconds to wait before retrying after failed attempt ``attempt`` (0-based), or None: do not retry."""
        if not should_retry(err, attempt, self.deployment.max_retries):
            return None
        delay = retry_delay(err, attempt + 1, self.retry_policy)
        log.info("retrying %s in %.2fs (attempt %d): %s", self.deployment.label, delay, attempt + 1, type(err).__name__)
        return delay
