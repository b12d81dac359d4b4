"""Vonage webhooks: delivery receipts and inbound SMS (STOP / ARRET withdraws SMS consent).

Only signed requests are accepted (VONAGE_SIGNATURE_SECRET, "signed webhooks" with SHA-256 HMAC
in the Vonage dashboard); a missing, wrong or stale signature gets 401. Answers are 204 so that
Vonage does not retry; a duplicate is acknowledged and ignored. Bodies over MAX_REQUEST_BYTES (a
receipt is well under 1 KiB) are refused with 413 before anything is parsed (portal.web.request_body).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from vonage import Auth

from notifier.inbound import is_stop, record_receipt, withdraw_sms_consent
from portal.patients.input import FieldErrors
from portal.web import json_error, request_ctx, request_locale, translate
from portal.web.request_body import parse_json

log = logging.getLogger("creneau.notifier")
MAX_AGE_SECONDS = 300


async def _params(request: Request) -> dict[str, str]:
    """Vonage sends form fields, JSON (POST-JSON) or a query string, depending on the setting."""
    params = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        try:
            body = parse_json(await request.body())  # bounded by portal.web.request_body.BodyLimit
        except FieldErrors:
            body = {}
        if isinstance(body, dict):
            params.update({key: value for key, value in body.items() if isinstance(value, (str, int, float))})
    elif "application/x-www-form-urlencoded" in content_type:
        params.update(parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True))
    return {key: str(value) for key, value in params.items()}


def signature_ok(params: dict[str, str], settings, now: datetime) -> bool:
    secret = str(settings.vonage_signature_secret)
    sig = params.get("sig", "")
    if not secret or not sig or not sig.isascii() or not params.get("timestamp"):
        return False  # a non-ASCII sig would make the SDK's compare_digest raise
    try:
        sent = datetime.fromtimestamp(int(params["timestamp"]), UTC)
    except (ValueError, OverflowError, OSError):
        return False
    if abs((now - sent).total_seconds()) > MAX_AGE_SECONDS:
        return False  # a replayed old request
    auth = Auth(api_key=settings.vonage_api_key or "webhook", signature_secret=secret, signature_method="sha256")
    try:
        return auth.check_signature(dict(params))  # it pops `sig`: give it a copy
    except (TypeError, ValueError):  # malformed input is a bad signature, not a server error
        return False


def _unauthorized(request: Request) -> Response:
    return json_error(401, "bad_signature", translate("Signature manquante ou invalide.", request_locale(request)))


async def _signed_params(request: Request) -> dict[str, str] | Response:
    """The request's parameters if it is signed and fresh; otherwise the response to give."""
    params = await _params(request)
    if not signature_ok(params, request.app.state.settings, request_ctx(request).now):
        return _unauthorized(request)
    return params


async def delivery(request: Request) -> Response:
    params = await _signed_params(request)
    if isinstance(params, Response):
        return params
    message_id = params.get("messageId", "")
    status = params.get("status", "")
    key = f"dlr:{message_id}:{status}:{params.get('err-code', '')}:{params.get('scts', '')}"
    outcome = await record_receipt(request_ctx(request), key=key, message_id=message_id,
                                   client_ref=params.get("client-ref", ""), status=status,
                                   error_code=params.get("err-code", ""))
    log.info("Vonage receipt %s (%s): %s", message_id, status, outcome)
    return Response(status_code=204)


async def inbound(request: Request) -> Response:
    params = await _signed_params(request)
    if isinstance(params, Response):
        return params
    if is_stop(params.get("text", "")):
        count = await withdraw_sms_consent(request_ctx(request), key=f"mo:{params.get('messageId', '')}",
                                           msisdn=params.get("msisdn", ""))
        log.info("STOP from an SMS: consent withdrawn for %d patient(s)", count)
    return Response(status_code=204)


routes = [
    Route("/webhooks/vonage/delivery", delivery, methods=["POST"]),
    Route("/webhooks/vonage/inbound", inbound, methods=["POST"]),
]
