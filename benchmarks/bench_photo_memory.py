"""Peak memory of one photo check (issue 9: bounded images), before and after downsizing.

    .venv/bin/python benchmarks/bench_photo_memory.py [--sizes 12,50,88] [--png]

Each photo is synthetic: scikit-image's astronaut (a real face photo) tiled over the canvas at
a face size a school photo has, saved as a JPEG (quality 90), 12, 50 (the default limit) and
88 megapixels (just under Pillow's own limit, which was SocialGuard's limit before issue 9).
Each measurement runs in a fresh Python process, which reads the photo, loads the models on a
photo first, and reports how far its peak resident memory (VmHWM, reset through
/proc/self/clear_refs just before) rises above its resident memory while finding and describing
every face (Linux only):

- before: the detector on the full image (faces.load_image, then detect_and_embed), as the
  photo check did before issue 9;
- after: faces.embed_photo, what the photo check does now: the JPEG decoded already reduced
  (Image.draft) to at most faces.ANALYSIS_PIXELS, boxes scaled back to the photo's pixels.

The ratio is before / after in the same run. With --png, a PNG at the default limit is measured
too: PNG has no reduced decoding, so it costs its full size once (the limit bounds it). Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {  # megapixels -> (width, height), 4:3 like a camera
    12: (4000, 3000),
    50: (8160, 6120),
    88: (10830, 8122),
}
COLUMNS, ROWS = 5, 4  # astronauts per photo, whatever its size: 20 faces, as in a class photo


def make_photo(width: int, height: int, fmt: str) -> bytes:
    from PIL import Image
    from skimage import data

    side = min(width // COLUMNS, height // ROWS)
    tile = Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (width, height), (120, 130, 140))
    for row in range(ROWS):
        for column in range(COLUMNS):
            canvas.paste(tile, (column * side, row * side))
    out = io.BytesIO()
    if fmt == "JPEG":
        canvas.save(out, format="JPEG", quality=90)
    else:
        canvas.save(out, format="PNG", compress_level=1)
    return out.getvalue()


CHILD = r"""
import io, json, sys, time
sys.path.insert(0, {root!r})
from django.conf import settings
settings.configure(MAX_IMAGE_MEGAPIXELS=89)  # Pillow's own limit: lets the 88 MP photo in
from PIL import Image
from skimage import data as skimage_data
from socialguard.consent import faces


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024  # MB


photo = open({path!r}, "rb").read()
face = io.BytesIO()
Image.fromarray(skimage_data.astronaut()).save(face, format="JPEG")
faces.detect_and_embed(faces.load_image(face.getvalue()))  # load and run the models once
faces.embed_photo(face.getvalue())
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak resident size starts again from the current one
start = status("VmRSS:")
began = time.perf_counter()
if {mode!r} == "before":
    found = faces.detect_and_embed(faces.load_image(photo))
else:
    found = faces.embed_photo(photo)
seconds = time.perf_counter() - began
peak = status("VmHWM:")
print(json.dumps({{"mb": peak - start, "peak": peak, "faces": len(found), "seconds": seconds}}))
"""


def measure(path: Path, mode: str) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), mode=mode)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,50,88", help="megapixels: any of 12, 50, 88")
    parser.add_argument("--png", action="store_true", help="also a 50 MP PNG")
    args = parser.parse_args()
    cases = [(int(s), "JPEG") for s in args.sizes.split(",")]
    if args.png:
        cases.append((50, "PNG"))
    print(
        f"{'photo':<14}{'before MB':>10}{'after MB':>10}{'ratio':>8}{'faces':>12}{'s before':>10}{'s after':>9}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for megapixels, fmt in cases:
            width, height = SIZES[megapixels]
            path = Path(scratch) / f"photo-{megapixels}.{fmt.lower()}"
            path.write_bytes(make_photo(width, height, fmt))
            before, after = measure(path, "before"), measure(path, "after")
            ratio = before["mb"] / max(after["mb"], 0.1)
            label = f"{width * height / 1e6:.0f} MP {fmt}"
            print(
                f"{label:<14}{before['mb']:>10.0f}{after['mb']:>10.0f}{ratio:>7.1f}x"
                f"{before['faces']:>6}/{after['faces']:<5}{before['seconds']:>10.1f}{after['seconds']:>9.1f}"
            )


if __name__ == "__main__":
    main()
