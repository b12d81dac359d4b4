"""A practitioner's photo (issue 14): uploaded in the back-office, re-encoded here, served by
Créneau at a URL named by its content hash.

Never the bytes as sent: the upload is decoded only as JPEG, PNG or WebP (by content, whatever
its name or declared type), its pixel count is checked from the header before anything is
decoded (a small file can declare a huge canvas: a decompression bomb), then it is turned
upright, cropped to a square around its centre, scaled to at most 512 px and written again as a
JPEG with no metadata at all (EXIF, GPS position, camera, XMP, ICC). The result lives in the
database (portal.practice.models.PractitionerPhoto), not in a file: several web hosts may share
one PostgreSQL and no disk. Its SHA-256 is the URL, so the URL never changes meaning and the
answer can be cached for a year ("immutable"); a new photo is a new URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from tortoise.transactions import in_transaction

from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors
from portal.models import Practitioner, PractitionerPhoto
from portal.practice.profiles import editable

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 × 6000; more is no portrait
# JPEG alone decodes at 1/2, 1/4 or 1/8 scale (draft); PNG and WebP decode whole, then convert
# to RGBA: 40 megapixels cost ~0.5 GB of memory. 12 megapixels (~150 MB) is still any portrait.
MAX_PIXELS_FULL_DECODE = 12_000_000


def max_pixels(image_format: str | None) -> int:
    return MAX_PIXELS if image_format == "JPEG" else MAX_PIXELS_FULL_DECODE
SIDE = 512
FORMATS = ("JPEG", "PNG", "WEBP")
FIELD = "photo"
TOO_BIG = "La photo pèse 2 Mo au plus : réduisez-la avant de l'envoyer."
NOT_AN_IMAGE = "Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."
TOO_MANY_PIXELS = "Cette image a trop de pixels : 40 millions au plus en JPEG, 12 millions en PNG ou WebP."
EMPTY = "Choisissez une photo à envoyer."


def url(digest: str) -> str:
    return f"/photos/{digest}.jpg"


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """The photo as Créneau serves it: (JPEG bytes, width, height), or FieldErrors under `photo`."""
    if not data:
        raise FieldErrors({FIELD: EMPTY})
    if len(data) > MAX_UPLOAD_BYTES:
        raise FieldErrors({FIELD: TOO_BIG})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size  # read from the header: nothing decoded yet
                if width * height > max_pixels(image.format) or width < 1 or height < 1:
                    raise FieldErrors({FIELD: TOO_MANY_PIXELS})
                if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that still covers SIDE
                    image.draft("RGB", (SIDE, SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
                side = min(upright.size)
                square = ImageOps.fit(upright.convert("RGBA"), (side, side), centering=(0.5, 0.4))
                if side > SIDE:
                    square = square.resize((SIDE, SIDE), Image.Resampling.LANCZOS)
                flat = Image.new("RGB", square.size, "white")  # transparency on white
                flat.paste(square, mask=square.getchannel("A"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FieldErrors({FIELD: TOO_MANY_PIXELS}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise FieldErrors({FIELD: NOT_AN_IMAGE}) from None
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=85, optimize=True, progressive=True)  # no exif=, no icc_profile=
    return out.getvalue(), flat.width, flat.height


async def set_photo(ctx: Ctx, practitioner_id: int, data: bytes) -> PractitionerPhoto:
    """Replaces the practitioner's photo (administrator, or the practitioner themselves)."""
    practitioner = await editable(ctx, practitioner_id)
    # Decoding takes tens to hundreds of milliseconds of CPU: not on the event loop.
    jpeg, width, height = await asyncio.to_thread(reencode, data)
    digest = hashlib.sha256(jpeg).hexdigest()

    async def transaction() -> PractitionerPhoto:
        async with in_transaction() as conn:
            # The practitioner's row locked first: replacements at once (a double click) take turns
            # instead of both inserting after deleting nothing (one photo per practitioner).
            await Practitioner.filter(id=practitioner.id).using_db(conn).select_for_update().first()
            await PractitionerPhoto.filter(practitioner_id=practitioner.id).using_db(conn).delete()
            photo = await PractitionerPhoto.create(practitioner_id=practitioner.id, digest=digest, data=jpeg,
                                                   width=width, height=height, created_at=ctx.now, using_db=conn)
            await record(conn, ctx, "practitioner.photo", "practitioner", practitioner.id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id)
            return photo

    return await retry_locked(transaction)


async def remove_photo(ctx: Ctx, practitioner_id: int) -> None:
    practitioner = await editable(ctx, practitioner_id)

    async def transaction() -> None:
        async with in_transaction() as conn:
            removed = await PractitionerPhoto.filter(practitioner_id=practitioner.id).using_db(conn).delete()
            if removed:
                await record(conn, ctx, "practitioner.photo_remove", "practitioner", practitioner.id,
                             practice_id=practitioner.practice_id, practitioner_id=practitioner.id)

    await retry_locked(transaction)


async def photo_urls(practitioner_ids: list[int]) -> dict[int, str]:
    """{practitioner id: photo URL} for those that have one (one query for a page of them)."""
    if not practitioner_ids:
        return {}
    rows = await PractitionerPhoto.filter(practitioner_id__in=practitioner_ids).values_list("practitioner_id", "digest")
    return {practitioner_id: url(digest) for practitioner_id, digest in rows}


async def photo_url(practitioner_id: int) -> str | None:
    return (await photo_urls([practitioner_id])).get(practitioner_id)


async def served(digest: str) -> bytes | None:
    """The bytes behind a photo URL (public: a practitioner's photo is what patients are shown)."""
    if len(digest) != 64 or not all(ch in "0123456789abcdef" for ch in digest):
        return None
    row = await PractitionerPhoto.filter(digest=digest).first().values_list("data", flat=True)
    return bytes(row) if row is not None else None


__all__ = ["photo_url", "photo_urls", "remove_photo", "reencode", "served", "set_photo", "url"]
