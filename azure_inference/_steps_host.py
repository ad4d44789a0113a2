"""What the call-step mixins of ``BaseClient`` (``EmbedSteps``, ``ResponsesSteps``) use of it, declared once.

``BaseClient`` defines these; the declarations only let the mixins be type-checked on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from ._sender import PreparedRequest
    from .config import Deployment

M = TypeVar("M", bound=BaseModel)


class StepsHost:
    """The request builder, the parser and the deployment a step mixin reads from its ``BaseClient``."""

    deployment: Deployment
    _body_model: str | None

    if TYPE_CHECKING:

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
        ) -> PreparedRequest: ...
        def _parse(self, model: type[M], content: bytes, response: Any) -> M: ...
