import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from register import photos


def jpeg(size=(400, 300)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("face.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_good_photo_gives_two_square_jpegs():
    processed = photos.process_photo(jpeg(), stem="m")

    assert Image.open(processed.large).size == (480, 480)
    assert Image.open(processed.thumbnail).size == (160, 160)


def test_an_undocumented_failure_in_the_image_library_is_a_clear_refusal(monkeypatch):
    def broken(image):
        raise RuntimeError("the library broke in a new way")

    monkeypatch.setattr(photos.ImageOps, "exif_transpose", broken)

    with pytest.raises(ValidationError, match="We could not read this photo"):
        photos.process_photo(jpeg(), stem="m")
