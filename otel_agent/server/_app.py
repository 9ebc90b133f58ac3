"""The HTTP side of the local server: a Starlette app that answers like Azure.

Each request goes through the same steps: find the deployment, check the
credential, apply injected faults, validate the body, charge the rate-limit
budget, then answer (JSON or an SSE stream) and record what was sent. Every
answer, errors included, carries the rate-limit and request-id headers.

Nothing here logs request content, headers or credentials.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from otel_agent.server._config import ServerConfig
from otel_agent.server._deployments import Deployment, DeploymentRegistry
from otel_agent.server._faults import Fault, FaultBoard, FaultKind, FaultPlan
from otel_agent.server._payloads import error_body
from otel_agent.server._ratelimit import (
    POLICY_TOKENS,
    Admission,
    format_duration,
    retry_after_header,
)
from otel_agent.server._records import CallLog, CallRecord
from otel_agent.server._replies import InvalidRequest, Reply, plan_reply

_OPERATIONS = {
    "chat": "ChatCompletions_Create",
    "completions": "Completions_Create",
    "embeddings": "Embeddings_Create",
}


class StreamCut(Exception):
    """Raised inside a stream to drop the connection (an injected fault)."""


@dataclass
class _Exchange:
    """What one request has established so far, and the headers to send."""

    request_id: str
    layout: str
    operation: str
    path: str
    api_version: str | None
    started_at: float
    deployment: Deployment | None = None
    stream: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None


class AzureOpenAIApp:
    """Builds the Starlette application over shared server state."""

    def __init__(
        self,
        config: ServerConfig,
        registry: DeploymentRegistry,
        faults: FaultBoard,
        calls: CallLog,
    ) -> None:
        self._config = config
        self._registry = registry
        self._faults = faults
        self._calls = calls

    def build(self) -> Starlette:
        routes = []
        for operation, suffix in (
            ("chat", "chat/completions"),
            ("completions", "completions"),
            ("embeddings", "embeddings"),
        ):
            routes += [
                Route(
                    f"/openai/deployments/{{deployment}}/{suffix}",
                    self._endpoint("azure", operation),
                    methods=["POST"],
                ),
                Route(
                    f"/openai/v1/{suffix}",
                    self._endpoint("azure-v1", operation),
                    methods=["POST"],
                ),
                Route(
                    f"/v1/{suffix}",
                    self._endpoint("openai", operation),
                    methods=["POST"],
                ),
            ]
        return Starlette(
            routes=routes,
            exception_handlers={404: self._not_found, 405: self._not_found},
        )

    def _endpoint(
        self, layout: str, operation: str
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self._handle(request, layout, operation)

        return endpoint

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        exchange = _new_exchange(
            request,
            "openai" if request.url.path.startswith("/v1/") else "azure",
            operation="",
        )
        return self._error(exchange, status, str(status), "Resource not found")

    async def _handle(self, request: Request, layout: str, operation: str) -> Response:
        exchange = _new_exchange(request, layout, operation)
        body = await _read_json(request)
        try:
            deployment = self._find_deployment(request, layout, body)
            exchange.deployment = deployment
            # Embeddings have no streaming form: their `stream` field is ignored.
            exchange.stream = operation != "embeddings" and bool(
                isinstance(body, dict) and body.get("stream")
            )
            exchange.headers = self._base_headers(exchange, deployment.budget.peek())
            self._check_credential(request)

            plan = self._faults.take(deployment.name, exchange.stream)
            if plan.latency_seconds:
                await asyncio.sleep(plan.latency_seconds)
            if plan.replacing is not None:
                return self._fault_response(exchange, deployment, plan.replacing)
            if layout == "azure" and not exchange.api_version:
                raise InvalidRequest(404, "404", "Resource not found")

            reply = plan_reply(operation, body, deployment)
            admission = deployment.budget.admit(reply.charge)
            exchange.headers = self._base_headers(exchange, admission)
            if not admission.admitted:
                return self._rate_limited(exchange, admission)
            return self._answer(exchange, reply, plan)
        except InvalidRequest as error:
            return self._error(exchange, error.status, error.code, error.message)

    def _find_deployment(self, request: Request, layout: str, body: Any) -> Deployment:
        if layout == "azure":
            name = request.path_params["deployment"]
        else:
            name = body.get("model") if isinstance(body, dict) else None
            if not isinstance(name, str) or not name:
                raise InvalidRequest(
                    400, "BadRequest", "The 'model' field is required."
                )
        deployment = self._registry.get(name)
        if deployment is None:
            raise InvalidRequest(
                404,
                "DeploymentNotFound",
                "The API deployment for this resource does not exist.",
            )
        return deployment

    def _check_credential(self, request: Request) -> None:
        credential = request.headers.get("api-key", "")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if not credential and scheme.lower() == "bearer":
            credential = token.strip()
        accepted = self._config.api_keys
        if not credential or (accepted is not None and credential not in accepted):
            raise InvalidRequest(401, "401", _UNAUTHORIZED_MESSAGE)

    def _base_headers(
        self, exchange: _Exchange, admission: Admission
    ) -> dict[str, str]:
        headers = {
            "x-ratelimit-limit-tokens": str(admission.limit_tokens),
            "x-ratelimit-remaining-tokens": str(admission.remaining_tokens),
            "x-ratelimit-limit-requests": str(admission.limit_requests),
            "x-ratelimit-remaining-requests": str(admission.remaining_requests),
            **_request_id_headers(exchange.request_id),
        }
        if exchange.deployment is not None:
            headers.update(exchange.deployment.config.extra_headers)
        return headers

    def _fault_response(
        self, exchange: _Exchange, deployment: Deployment, fault: Fault
    ) -> Response:
        exchange.fault = fault.kind.value
        if fault.kind is FaultKind.UNAUTHORIZED:
            return self._error(exchange, 401, "401", _UNAUTHORIZED_MESSAGE)
        if fault.kind is FaultKind.RATE_LIMITED:
            refused = replace(
                deployment.budget.peek(),
                admitted=False,
                policy_id=POLICY_TOKENS,
                retry_after_seconds=fault.seconds,
                reset_tokens_seconds=fault.seconds,
            )
            return self._rate_limited(exchange, refused)
        return self._error(
            exchange,
            fault.status,
            str(fault.status),
            "The server had an error while processing your request.",
        )

    def _rate_limited(self, exchange: _Exchange, admission: Admission) -> Response:
        wait = admission.retry_after_seconds
        limited = {
            "retry-after": retry_after_header(wait),
            "retry-after-ms": str(max(0, round(wait * 1000))),
            "x-ratelimit-reset-tokens": format_duration(admission.reset_tokens_seconds),
            "x-ratelimit-reset-requests": format_duration(
                admission.reset_requests_seconds
            ),
            "policy-id": admission.policy_id or POLICY_TOKENS,
        }
        # Headers injected for the deployment win over the computed ones.
        exchange.headers = {**exchange.headers, **limited, **_extra_headers(exchange)}
        kind = "token" if admission.policy_id == POLICY_TOKENS else "call"
        version = exchange.api_version or "v1"
        message = (
            f"Requests to the {_OPERATIONS[exchange.operation]} Operation under "
            f"Azure OpenAI API version {version} have exceeded {kind} rate limit "
            f"of the local server's deployment. Please retry after "
            f"{exchange.headers['retry-after']} seconds."
        )
        return self._error(exchange, 429, "429", message)

    def _error(
        self, exchange: _Exchange, status: int, code: str, message: str
    ) -> Response:
        self._record(exchange, status, usage=None)
        return JSONResponse(error_body(code, message), status, headers=exchange.headers)

    def _answer(self, exchange: _Exchange, reply: Reply, plan: FaultPlan) -> Response:
        identity = reply.identity(exchange.request_id, exchange.layout == "azure")
        if plan.malformed_json:
            exchange.fault = FaultKind.MALFORMED_JSON.value
        if exchange.stream:
            if plan.stream_cut_after is not None:
                exchange.fault = FaultKind.STREAM_CUT.value
            events = reply.stream_events(identity)
            return StreamingResponse(
                self._stream(exchange, reply, events, plan),
                headers={**exchange.headers, "cache-control": "no-cache"},
                media_type="text/event-stream",
            )
        text = json.dumps(reply.body(identity))
        if plan.malformed_json:
            text = text[: len(text) // 2]
        self._record(exchange, 200, usage=reply.usage, charged=reply.charge)
        return Response(
            text, 200, headers=exchange.headers, media_type="application/json"
        )

    async def _stream(
        self,
        exchange: _Exchange,
        reply: Reply,
        events: list[dict[str, Any]],
        plan: FaultPlan,
    ) -> AsyncIterator[bytes]:
        # The record is written before the last bytes go out, so a client that
        # has read the whole stream always finds it; a client that hangs up
        # early still gets one, marked incomplete.
        cut = plan.stream_cut_after
        interval = reply.deployment.config.stream_interval_seconds
        recorded = False
        try:
            for index, event in enumerate(events if cut is None else events[:cut]):
                data = json.dumps(event)
                if plan.malformed_json and index == 1:
                    data = data[: len(data) // 2]
                yield f"data: {data}\n\n".encode()
                await asyncio.sleep(interval)
            recorded = True
            if cut is not None:
                self._record(exchange, 200, None, reply.charge, completed=False)
                raise StreamCut()
            self._record(exchange, 200, reply.stream_usage, reply.charge)
            yield b"data: [DONE]\n\n"
        finally:
            if not recorded:
                self._record(exchange, 200, None, reply.charge, completed=False)

    def _record(
        self,
        exchange: _Exchange,
        status: int,
        usage: Mapping[str, Any] | None,
        charged: int = 0,
        completed: bool = True,
    ) -> None:
        deployment = exchange.deployment
        self._calls.append(
            CallRecord(
                request_id=exchange.request_id,
                deployment=deployment.name if deployment else "",
                path=exchange.path,
                layout=exchange.layout,
                operation=exchange.operation,
                status=status,
                stream=exchange.stream and status == 200,
                usage=usage,
                headers=dict(exchange.headers),
                charged_tokens=charged,
                fault=exchange.fault,
                completed=completed,
                started_at=exchange.started_at,
                finished_at=time.time(),
            )
        )


def _new_exchange(request: Request, layout: str, operation: str) -> _Exchange:
    request_id = str(uuid.uuid4())
    return _Exchange(
        request_id=request_id,
        layout="openai" if layout == "openai" else "azure",
        operation=operation,
        path=request.url.path,
        api_version=request.query_params.get("api-version"),
        started_at=time.time(),
        headers=_request_id_headers(request_id),
    )


def _request_id_headers(request_id: str) -> dict[str, str]:
    # Azure sends both; they carry the same id here.
    return {
        "x-request-id": request_id,
        "apim-request-id": request_id,
        "x-ms-region": "Local",
    }


def _extra_headers(exchange: _Exchange) -> Mapping[str, str]:
    if exchange.deployment is None:
        return {}
    return exchange.deployment.config.extra_headers


_UNAUTHORIZED_MESSAGE = (
    "Access denied: send a valid key in the api-key header or a bearer token "
    "in the Authorization header."
)


async def _read_json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
