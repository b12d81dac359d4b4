"""A practitioner's photo over HTTP (issue 14): uploaded in the back-office, re-encoded by
Créneau (no metadata left, a bounded square), served at a URL named by its content hash with
year-long caching, shown to patients with alt text, removable; garbage, a non-image named .jpg,
a huge canvas and an oversized file are refused with the field's message and nothing written."""

from __future__ import annotations

import io
import re
import struct
import zlib
from html import unescape

from PIL import Image

from portal.audit.models import AuditEvent
from portal.models import Practitioner, PractitionerPhoto
from portal.practice import photos
from tests.admin.conftest import csrf_of, signed_in_as


def jpeg_with_gps(size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 8.0)}  # GPS: Paris
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge canvas (its data would inflate to gigabytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


async def profile(slug: str) -> str:
    return f"/admin/settings/practitioners/{(await Practitioner.get(slug=slug)).id}"


async def upload(client, path: str, data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg", *,
                 token_from: str | None = None):
    page = await client.get(token_from or path)
    return await client.post(path + "/photo", data={"csrf_token": csrf_of(page.text)},
                             files={"photo": (filename, data, content_type)})


async def test_a_photo_is_reencoded_without_metadata_served_cached_and_shown_to_patients(client, now):
    await signed_in_as(client, now)
    path = await profile("hugo-bernard")
    answer = await upload(client, path, jpeg_with_gps())
    assert answer.status_code == 303 and answer.headers["location"] == path + "?done=photo"
    stored = await PractitionerPhoto.get(practitioner__slug="hugo-bernard")
    assert (stored.width, stored.height) == (512, 512)
    assert await AuditEvent.filter(action="practitioner.photo").count() == 1

    url = photos.url(stored.digest)
    served = await client.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["etag"] == f'"{stored.digest}"'
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == "JPEG" and image.size == (512, 512)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in served.content
    again = await client.get(url, headers={"if-none-match": f'"{stored.digest}"'})
    assert again.status_code == 304 and not again.content
    assert (await client.get("/photos/" + "0" * 64 + ".jpg")).status_code == 404
    assert (await client.get("/photos/not-a-digest.jpg")).status_code == 404

    patient_page = unescape((await client.get("/p/hugo-bernard")).text)
    assert f'<img src="{url}" alt="Photo de Hugo Bernard"' in patient_page
    practice_page = unescape((await client.get("/c/cabinet-des-lilas")).text)
    assert f'<img src="{url}" alt="Photo de Hugo Bernard"' in practice_page
    assert f'src="{url}"' in (await client.get(path)).text  # the back-office shows it too


async def test_refused_uploads_say_why_on_the_field_and_write_nothing(client, now):
    await signed_in_as(client, now)
    path = await profile("hugo-bernard")
    cases = [
        (b"\xff\xd8\xff\xe0 this is not really a jpeg", "photo.jpg", "Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."),
        (b"%PDF-1.7 a document named like a photo", "portrait.png", "Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."),
        (png_declaring(7000, 7000), "big.png", "Cette image a trop de pixels"),  # 49 megapixels: our bound
        (png_declaring(60000, 60000), "bomb.png", "Cette image a trop de pixels"),  # Pillow's bomb guard
        (b"", "empty.jpg", "Choisissez une photo à envoyer."),
    ]
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    cases.append((gif.getvalue(), "photo.jpg", "Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."))
    for data, name, message in cases:
        answer = await upload(client, path, data, name)
        assert answer.status_code == 422, name
        text = unescape(answer.text)
        assert message in text, name
        assert 'id="photo-error"' in text and 'aria-describedby="photo-hint photo-error"' in text
        assert 'value="Hugo"' in text  # the profile form is still there, as saved
    too_big = await upload(client, path, b"\xff\xd8" + b"\0" * (photos.MAX_UPLOAD_BYTES + 100 * 1024))
    assert too_big.status_code == 413 and "2 Mo au plus" in unescape(too_big.text)
    assert not await PractitionerPhoto.exists()
    assert not await AuditEvent.filter(action__startswith="practitioner.photo").exists()


async def test_removal_and_archiving_and_scope(client, now):
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    own, colleague = await profile("camille-martin"), await profile("hugo-bernard")
    png = io.BytesIO()
    Image.new("RGBA", (300, 400), (0, 0, 0, 0)).save(png, "PNG")
    assert (await upload(client, own, png.getvalue(), "me.png", "image/png")).status_code == 303
    photo = await PractitionerPhoto.get()
    assert (photo.width, photo.height) == (300, 300)  # cropped square, never enlarged
    # A colleague's profile is outside a practitioner's scope: not found, nothing read or written.
    assert (await upload(client, colleague, jpeg_with_gps(), token_from=own)).status_code == 404
    page = await client.get(own)
    refused = await client.post(colleague + "/photo/remove", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 404 and await PractitionerPhoto.all().count() == 1
    removed = await client.post(own + "/photo/remove", data={"csrf_token": csrf_of(page.text)})
    assert removed.status_code == 303 and removed.headers["location"] == own + "?done=photo_removed"
    assert not await PractitionerPhoto.exists()
    assert (await client.get(photos.url(photo.digest))).status_code == 404
    assert await AuditEvent.filter(action="practitioner.photo_remove").count() == 1


async def test_archiving_keeps_the_photo(client, now):
    await signed_in_as(client, now)
    path = await profile("hugo-bernard")
    await upload(client, path, jpeg_with_gps())
    page = await client.get(path)
    assert (await client.post(path + "/archive", data={"csrf_token": csrf_of(page.text)})).status_code == 303
    assert await PractitionerPhoto.filter(practitioner__slug="hugo-bernard").exists()
    assert re.search(r'<img src="/photos/[0-9a-f]{64}\.jpg"', (await client.get(path)).text)


async def test_the_photo_use_cases_on_both_databases(any_database, now):
    from portal.access.staff import staff_ctx
    from tests.access.helpers import add_staff
    from tests.builders import load_demo
    await load_demo()
    user, _ = await add_staff(now)
    ctx = await staff_ctx(user, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    photo = await photos.set_photo(ctx, hugo.id, jpeg_with_gps())
    assert await photos.served(photo.digest) == photo.data and photo.data[:2] == b"\xff\xd8"
    assert await photos.photo_urls([hugo.id]) == {hugo.id: photos.url(photo.digest)}
    await photos.remove_photo(ctx, hugo.id)
    assert await photos.served(photo.digest) is None
    assert [e.action for e in await AuditEvent.filter(action__startswith="practitioner.photo").order_by("id")] == [
        "practitioner.photo", "practitioner.photo_remove"]


async def test_uploads_at_once_leave_one_photo(any_database, now):
    """A double click on "Envoyer": two replacements at once both deleted nothing, then both
    inserted, and the second broke the one-photo-per-practitioner key (a 500 on PostgreSQL)."""
    import asyncio

    from portal.access.staff import staff_ctx
    from tests.access.helpers import add_staff
    from tests.builders import load_demo
    await load_demo()
    user, _ = await add_staff(now)
    ctx = await staff_ctx(user, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    uploads = [jpeg_with_gps((600 + 10 * n, 600)) for n in range(4)]
    stored = await asyncio.gather(*(photos.set_photo(ctx, hugo.id, data) for data in uploads))
    assert await PractitionerPhoto.filter(practitioner_id=hugo.id).count() == 1
    assert (await PractitionerPhoto.get(practitioner_id=hugo.id)).digest in {photo.digest for photo in stored}
    assert await AuditEvent.filter(action="practitioner.photo").count() == 4


def test_a_large_png_is_refused_before_it_is_decoded():
    """Only JPEG decodes at a reduced scale: a PNG of 40 megapixels took ~0.5 GB to decode."""
    assert photos.max_pixels("PNG") < photos.max_pixels("JPEG") == photos.MAX_PIXELS
    try:
        photos.reencode(png_declaring(5000, 4000))  # 20 megapixels: a JPEG's size, not a PNG's
    except photos.FieldErrors as refused:
        assert refused.fields == {photos.FIELD: photos.TOO_MANY_PIXELS}
    else:
        raise AssertionError("a 20-megapixel PNG was decoded")
