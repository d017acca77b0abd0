"""The photos a customer attaches to a case: checked on the way in, kept as bytes, served to staff.

Rules: at most 3 photos per case, each at most 1 MB decoded, JPEG or PNG by their first bytes
(whatever the app claims); they are stored as bytes in ``ComplaintPhoto``, in the transaction
that opens the case, so backups, replicas and every API process see them without a shared disk.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from loyalty.errors import InvalidInput, NotFound
from loyalty.schema import ComplaintPhoto

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PhotoRejected(InvalidInput):
    code = "photo_rejected"
    title = "Photo refused"


@dataclass(frozen=True, slots=True)
class Photo:
    content_type: str
    content: bytes


def decode_photos(raw: list[str]) -> list[Photo]:
    """Base64 photos from the app, checked for count, size and type (JPEG/PNG by magic bytes)."""
    if len(raw) > MAX_PHOTOS:
        raise PhotoRejected(f"at most {MAX_PHOTOS} photos per case", field="photos")
    photos = []
    for index, text in enumerate(raw):
        if len(text) > (MAX_PHOTO_BYTES * 4) // 3 + 8:
            raise PhotoRejected(f"photo {index + 1} is larger than 1 MB", field="photos", index=index)
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PhotoRejected(f"photo {index + 1} is not base64", field="photos", index=index) from exc
        if len(content) > MAX_PHOTO_BYTES:
            raise PhotoRejected(f"photo {index + 1} is larger than 1 MB", field="photos", index=index)
        if content.startswith(JPEG_MAGIC):
            photos.append(Photo("image/jpeg", content))
        elif content.startswith(PNG_MAGIC):
            photos.append(Photo("image/png", content))
        else:
            raise PhotoRejected(f"photo {index + 1} is not a JPEG or PNG image", field="photos", index=index)
    return photos


async def keep_photos(case_id: int, photos: list[Photo]) -> None:
    """Store a new case's photos; call inside the transaction that opens it."""
    for photo in photos:
        await ComplaintPhoto(
            complaint=case_id, content_type=photo.content_type, size=len(photo.content), content=photo.content
        ).save()


async def photo_ids(case_id: int) -> list[int]:
    rows = (
        await ComplaintPhoto.select(ComplaintPhoto.id)
        .where(ComplaintPhoto.complaint == case_id)
        .order_by(ComplaintPhoto.id)
    )
    return [r["id"] for r in rows]


async def photo(photo_id: int) -> Photo:
    row = (
        await ComplaintPhoto.select(ComplaintPhoto.content_type, ComplaintPhoto.content)
        .where(ComplaintPhoto.id == photo_id)
        .first()
    )
    if row is None:
        raise NotFound(f"no photo {photo_id}")
    return Photo(row["content_type"], bytes(row["content"]))
