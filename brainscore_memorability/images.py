"""Opening image files: the one place that decides whether an image file is usable.

An image is usable when PIL decodes it completely. Not usable: a missing file, a file that is no
image (e.g. text named ``.jpg``), a truncated file, and a decompression bomb (a header declaring
more than twice PIL's ``Image.MAX_IMAGE_PIXELS``, 2 x 89,478,485 pixels by default), which PIL
refuses with ``DecompressionBombError`` before allocating anything.
"""
from __future__ import annotations

from pathlib import Path

from brainscore_memorability.errors import DataError


def load_rgb(path: str | Path, hint: str = ""):
    """The decoded RGB ``PIL.Image`` at ``path``, or a :class:`DataError` naming the file (and
    ending with ``hint``, e.g. how to skip bad images)."""
    image, problem = _decode(path)
    if problem is not None:
        raise DataError(f"image {path} {problem}{hint}")
    return image


def find_bad_images(paths) -> list[tuple[str, str]]:
    """(path, reason) of every image in ``paths`` that is not usable (module docstring), in order."""
    return [(str(path), f"image {path} {problem}") for path in paths
            if (problem := _decode(path)[1]) is not None]


def _decode(path):
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            return image.convert("RGB"), None
    except FileNotFoundError:
        return None, "is missing"
    except Image.DecompressionBombError as error:
        return None, f"is refused as a decompression bomb ({error})"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        return None, f"cannot be read ({type(error).__name__}: {error})"
