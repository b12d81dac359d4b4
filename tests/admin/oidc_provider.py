"""A small OpenID Connect provider inside the tests (Starlette + joserfc), reached by authlib's
real client through an in-process transport: discovery, an authorization endpoint that approves
the configured identity at once, a token endpoint that checks the client, and the key set.

`misbehave` makes it answer like a broken or hostile provider: "bad_signature" (signed by a key
that is not in its key set, under the published key id), "wrong_audience", "expired",
"wrong_issuer", "wrong_nonce"."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

ISSUER = "https://id.example.test"
CLIENT_ID, CLIENT_SECRET = "creneau-test", "client-secret-for-tests"


@dataclass
class Provider:
    identity: dict = field(default_factory=lambda: {"sub": "user-123", "email": "admin@cabinet-des-lilas.example",
                                                     "email_verified": True})
    misbehave: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict = field(default_factory=dict)  # code -> nonce
    tokens_issued: int = 0

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize", "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = query.get("nonce", "")
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        basic = request.headers.get("authorization", "").removeprefix("Basic ")
        client = base64.b64decode(basic).decode() if basic else f"{form.get('client_id')}:{form.get('client_secret')}"
        if client != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        nonce = self.codes.pop(str(form.get("code")), None)
        if nonce is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.tokens_issued += 1
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": self.id_token(nonce)})

    def id_token(self, nonce: str) -> str:
        now = int(time.time())  # authlib checks expiry against the real clock
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": nonce, **self.identity}
        key = self.key
        if self.misbehave == "bad_signature":
            key = self.other_key
        elif self.misbehave == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.misbehave == "wrong_audience_with_azp":  # azp naming us must not stand in for aud
            claims.update(aud="another-client", azp=CLIENT_ID)
        elif self.misbehave == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif self.misbehave == "wrong_issuer":
            claims["iss"] = "https://evil.example.test"
        elif self.misbehave == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
