"""The practice page (or the list of practices), and the privacy notice."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q

from portal import access
from portal.patients import consent_texts
from portal.patients.input import FieldErrors
from portal.practice.models import postal_address
from portal.web import cursors, request_ctx, request_locale
from portal.web.api.catalog import Filters, decode_cursor, practitioner_page
from portal.web.patient.rendering import render

_PRACTICE_FIELDS = ("slug", "name", "address", "postcode", "city", "access_instructions", "phone", "email")
PAGE_SIZE = 30  # practitioners per practice page; `?suite=` carries the cursor to the next
PRACTICES_PAGE_SIZE = 30  # practices per page of the home's list; `?suite=` likewise


def _practice_cursor(row: dict) -> str:
    return cursors.encode(row["name"], row["id"])


def _after_practice(raw: str) -> tuple[str, int]:
    """The (name, id) a page of practices follows; 404 for a tampered or truncated link."""
    key = cursors.decode(raw, texts=1)
    if key is None:
        raise HTTPException(404)
    return key


async def home(request: Request) -> Response:
    """The practices by name, a page at a time (keyset: the cost of a page does not grow with the
    number of practices); a single practice opens its own page."""
    raw = request.query_params.get("suite")
    query = access.practices(request_ctx(request))
    if raw is not None:
        name, ident = _after_practice(raw)
        query = query.filter(Q(name__gt=name) | Q(name=name, id__gt=ident))
    rows = _with_full_address(
        await query.order_by("name", "id").limit(PRACTICES_PAGE_SIZE + 1).values("id", *_PRACTICE_FIELDS))
    if raw is None and len(rows) == 1:
        return await _practice_page(request, rows[0])
    practices = rows[:PRACTICES_PAGE_SIZE]
    next_url = f"/?suite={_practice_cursor(practices[-1])}" if len(rows) > PRACTICES_PAGE_SIZE else None
    return render(request, "portal/practices.html", {"practices": practices, "next_url": next_url})


async def practice(request: Request) -> Response:
    slug = request.path_params["practice"]
    rows = _with_full_address(await access.practices(request_ctx(request), slug).values(*_PRACTICE_FIELDS))
    if not rows:
        raise HTTPException(404)
    return await _practice_page(request, rows[0])


def _with_full_address(rows: list[dict]) -> list[dict]:
    """`address` as pages show it: street, postcode and city on one line."""
    return [{**row, "address": postal_address(row["address"], row["postcode"], row["city"])} for row in rows]


async def _practice_page(request: Request, row: dict) -> Response:
    try:
        cursor = decode_cursor(request.query_params.get("suite"))
    except FieldErrors:
        raise HTTPException(404) from None  # a tampered or truncated link
    page = await practitioner_page(request_ctx(request), Filters(practice=row["slug"]), limit=PAGE_SIZE,
                                   cursor=cursor, with_photos=True)
    next_url = f"{request.url.path}?suite={page.next}" if page.next else None
    return render(request, "portal/practice.html",
                  {"practice": row, "practitioners": page.items, "photos": page.photos, "next_url": next_url})


async def privacy(request: Request) -> Response:
    """The notice in force (or an older version, by its name: what a patient agreed to)."""
    version = request.query_params.get("version") or consent_texts.PRIVACY_NOTICE_VERSION
    if version not in consent_texts.known_privacy_versions():
        raise HTTPException(404)
    locale = request_locale(request)
    practices = _with_full_address(await access.practices(request_ctx(request)).order_by("name").values(
        *_PRACTICE_FIELDS, "retention_months", "contract_ends_on", "controller_name", "controller_address",
        "dpo_name", "dpo_email"))
    return render(request, "portal/privacy.html", {
        "settings": request.app.state.settings,
        "version": version,
        "current": version == consent_texts.PRIVACY_NOTICE_VERSION,
        "notice": consent_texts.privacy_notice(locale, version).text,
        "practices": practices,
    })
