"""Photos as they are kept: checked by their content, turned upright, resized and re-encoded with Pillow, so that
nothing of the camera's metadata (EXIF, GPS position, XMP, comments) survives the upload."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import DomainError
from .uploads import upload_type

PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
LONGEST_SIDE = 1600
THUMBNAIL_SIDE = 480
# A photo this large is refused before it is decoded: a small file may unpack into gigabytes ("decompression bomb").
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes  # JPEG, at most LONGEST_SIDE px on its longest side, without metadata
    thumbnail: bytes  # JPEG, at most THUMBNAIL_SIDE px
    width: int
    height: int


def photo_clean(upload: UploadedFile) -> CleanPhoto:
    """The upload as a photo fit to keep; DomainError (field "file") for a file that is not a JPEG or PNG photo
    by its content, is too big, or cannot be decoded."""
    from PIL import Image, ImageOps  # loaded on first use

    upload_type(upload, accepted=PHOTO_TYPES)
    unreadable = DomainError(_("%(name)s could not be read as a photo.") % {"name": upload.name}, field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise DomainError(
                        _("%(name)s has %(mp)d megapixels; photos may have up to %(limit)d.")
                        % {
                            "name": upload.name,
                            "mp": opened.width * opened.height // 1_000_000,
                            "limit": MAX_PIXELS // 1_000_000,
                        },
                        field="file",
                    )
                opened.load()
                # Upright as the camera said, before the EXIF that says it is dropped.
                upright = ImageOps.exif_transpose(opened)
                image = _flattened(upright)
    except DomainError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise unreadable from None
    finally:
        upload.seek(0)
    image.info.clear()
    full = image.copy()
    full.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return CleanPhoto(image=_jpeg(full), thumbnail=_jpeg(small), width=full.width, height=full.height)


def _flattened(image):
    """RGB pixels only: transparency laid on white, palettes and greyscale expanded; a new image, with none of the
    original's metadata."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def data_uri(content: bytes, content_type: str = "image/jpeg") -> str:
    """An image inlined in a document (a PDF WeasyPrint makes fetches nothing: its images come as data)."""
    import base64

    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"
