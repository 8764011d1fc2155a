"""Mentor headshots: checked by decoding, turned upright, stripped, cropped square.

Only JPEG, PNG and WebP are accepted, whatever the file is called. The
stored copies are new JPEG files made from the pixels alone, so no EXIF (GPS,
camera, dates) survives; the original upload is not kept.
"""

import io
import logging
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 6300 x 6300; a decompression bomb is far larger
MIN_SIDE = 160
LARGE_SIZE = 480
THUMBNAIL_SIZE = 160
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedPhoto:
    large: ContentFile
    thumbnail: ContentFile


def _reject(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_photo")


def _open_checked(data: bytes) -> Image.Image:
    """Decode the whole image, refusing anything we would not want to store."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise _reject("The photo must be a JPEG, PNG or WebP image.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _reject(
                    f"The photo is too large ({width} × {height} pixels). "
                    "Use one under 6000 pixels on each side."
                )
            image.load()  # decodes every byte: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject(
            "The photo has far too many pixels. Use one under 6000 pixels on each side."
        ) from None
    except UnidentifiedImageError:
        raise _reject(
            "The file is not a photo we can read. Use a JPEG, PNG or WebP image."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise _reject("The photo file is damaged or incomplete. Try saving it again.") from None
    if min(image.size) < MIN_SIDE:
        raise _reject(f"The photo is too small. Use one at least {MIN_SIDE} pixels on each side.")
    return image


def _square_jpeg(image: Image.Image, size: int) -> bytes:
    square = ImageOps.fit(
        image, (size, size), method=Image.Resampling.LANCZOS, centering=(0.5, 0.4)
    )
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(upload, *, stem: str) -> ProcessedPhoto:
    """Check an uploaded file and return the two square JPEGs to store.

    Raises ValidationError with a message a person can act on, whatever the file:
    one that breaks the image library in a way it does not document is logged and
    refused like any other unreadable photo, never a server error.
    """
    try:
        return _process(upload, stem=stem)
    except ValidationError:
        raise
    except Exception:
        logger.exception("Unexpected failure processing the photo %s", upload.name)
        raise _reject("We could not read this photo. Use a JPEG, PNG or WebP image.") from None


def _process(upload, *, stem: str) -> ProcessedPhoto:
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _reject("The photo must be smaller than 10 MB.")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _reject("The photo must be smaller than 10 MB.")
    image = _open_checked(data)
    upright = ImageOps.exif_transpose(image)
    # A fresh RGB image from the pixels alone: no EXIF, ICC or text chunks carried over.
    if upright.mode in ("RGBA", "LA", "P"):
        upright = upright.convert("RGBA")
        background = Image.new("RGB", upright.size, (255, 255, 255))
        background.paste(upright, mask=upright.getchannel("A"))
        clean = background
    else:
        clean = upright.convert("RGB")
    clean = Image.frombytes("RGB", clean.size, clean.tobytes())
    return ProcessedPhoto(
        large=ContentFile(_square_jpeg(clean, LARGE_SIZE), name=f"{stem}-{LARGE_SIZE}.jpg"),
        thumbnail=ContentFile(
            _square_jpeg(clean, THUMBNAIL_SIZE), name=f"{stem}-{THUMBNAIL_SIZE}.jpg"
        ),
    )
