"""A practitioner's photo in the back-office (upload, removal) and its public URL. Thin: the
checks and the re-encoding are portal.practice.photos."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.errors import FieldErrors, NotFound
from portal.practice import photos, profiles
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import form_expired
from portal.web.admin.practitioner_views import PRACTITIONERS, _id, profile_page
from portal.web.request_body import BodyTooLarge, read_form

# The upload's body may be larger than MAX_REQUEST_BYTES: the photo, its multipart envelope and
# the CSRF field. Past this the upload stops being read (portal.web.request_body.BodyLimit).
UPLOAD_PATH = re.compile(re.escape(PRACTITIONERS) + r"/[0-9]{1,10}/photo")
WIDER_BODIES = ((UPLOAD_PATH, photos.MAX_UPLOAD_BYTES + 64 * 1024),)
YEAR = 365 * 24 * 3600


async def upload(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner = await profiles.editable(ctx, _id(request))  # 404 before the body is read
    try:
        form = await read_form(request)
    except BodyTooLarge:  # nothing was read or written: the page says why, not a bare 413
        return await _refused(request, practitioner, {photos.FIELD: photos.TOO_BIG}, 413)
    try:  # the upload is spooled to a temporary file: closed whatever happens
        if not csrf.valid(request, form.get(csrf.FIELD)):
            return form_expired(request)
        upload = form.get(photos.FIELD)
        data = b"" if upload is None or isinstance(upload, str) else await upload.read(photos.MAX_UPLOAD_BYTES + 1)
    finally:
        await form.close()
    try:
        await photos.set_photo(ctx, practitioner.id, data)
    except FieldErrors as exc:
        return await _refused(request, practitioner, exc.fields, 422)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner.id}?done=photo", status_code=303)


async def _refused(request: Request, practitioner, errors: dict, status: int) -> Response:
    return await profile_page(request, practitioner, profiles.as_form(practitioner), {}, status,
                              photo_errors=errors)


async def remove(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner = await profiles.editable(ctx, _id(request))
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    await photos.remove_photo(ctx, practitioner.id)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner.id}?done=photo_removed", status_code=303)


async def serve(request: Request) -> Response:
    """GET /photos/{digest}.jpg: public, cacheable for a year (the URL changes with the photo)."""
    digest = request.path_params["digest"]
    etag = f'"{digest}"'
    data = await photos.served(digest)
    if data is None:
        raise NotFound("Photo introuvable.")
    headers = {"cache-control": f"public, max-age={YEAR}, immutable", "etag": etag}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)
