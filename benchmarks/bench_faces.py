"""Photo check benchmark (IMG-3): match threshold, detection recall, speed, matching cost.

    .venv/bin/python benchmarks/bench_faces.py [--data ../shared/data]

1. Threshold, on faces/deepface_tests_dataset (13 identities from its labelled pairs). Every
   identity is treated as a restricted child. In each round one photo per identity is enrolled
   (round r enrols each identity's r-th photo), and
   - recall: the share of the identity's other photos that the check blocks;
   - false blocks: with the identity left out of the gallery, the share of its photos that still
     match someone (a child wrongly taken for a restricted one).
2. Detection recall on faces/group_photos (dlib's annotated PASCAL VOC group photos).
3. Seconds per photo for a 12-megapixel group photo with 25 faces, built by pasting faces from
   the deepface set onto a 4000x3000 canvas, checked against 5,000 enrolled people; the baseline
   is dlib's own embedding (compute_face_descriptor) on the same faces.
4. Matching cost per face against 5,000 enrolled people (random unit vectors); the baseline is
   a Python loop over the people.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from socialguard.consent import faces  # noqa: E402
from socialguard.consent.face_network import CHIP_PADDING, CHIP_SIZE  # noqa: E402
from socialguard.consent.photo_check import check_photo  # noqa: E402

THRESHOLDS = [round(0.45 + 0.01 * i, 2) for i in range(26)]  # 0.45 .. 0.70
GOAL_RECALL = 1.0
GOAL_FALSE_BLOCKS = 0.05


# ---------------------------------------------------------------------------------------------
# 1. Threshold


def load_identities(dataset: Path) -> dict[str, list[str]]:
    clusters: dict[str, list[str]] = defaultdict(list)
    with open(dataset / "identity_clusters_from_pair_csvs.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["file_present"] == "True":
                clusters[row["cluster_id"]].append(row["file"])
    return dict(clusters)


def embed_files(dataset: Path, files: list[str]) -> dict[str, np.ndarray]:
    """Each photo's face embeddings, (faces, 128), largest face first (the one enrolled)."""
    embedded = {}
    for name in files:
        found = faces.embed_photo((dataset / name).read_bytes())
        found.sort(key=lambda face: -face.box[2] * face.box[3])
        embedded[name] = np.array([f.embedding for f in found]).reshape(-1, 128)
    return embedded


def threshold_rounds(identities, embedded, threshold, photos_enrolled=1):
    """(blocked, restricted photos, false blocks, other photos) summed over the rounds."""
    blocked = restricted_total = false_blocks = others_total = 0
    rounds = max(len(files) for files in identities.values())
    for r in range(rounds):
        enrolled = {
            identity: {files[(r + k) % len(files)] for k in range(photos_enrolled)}
            for identity, files in identities.items()
        }
        for identity, files in identities.items():
            full = _gallery(identities, embedded, enrolled, leave_out=None)
            without = _gallery(identities, embedded, enrolled, leave_out=identity)
            for name in files:
                vectors = embedded[name]
                if name not in enrolled[identity]:
                    restricted_total += 1
                    blocked += len(vectors) > 0 and any(full.candidates(vectors, threshold))
                others_total += 1
                false_blocks += len(vectors) > 0 and any(without.candidates(vectors, threshold))
    return blocked, restricted_total, false_blocks, others_total


def _gallery(identities, embedded, enrolled, leave_out):
    return faces.Gallery(
        (identity, [embedded[name][0] for name in enrolled[identity] if len(embedded[name])])
        for identity in identities
        if identity != leave_out
    )


def bench_threshold(data: Path) -> None:
    dataset = data / "faces" / "deepface_tests_dataset"
    identities = load_identities(dataset)
    files = sorted({f for fs in identities.values() for f in fs})
    embedded = embed_files(dataset, files)
    no_face = [f for f in files if not len(embedded[f])]
    print(
        f"\n== Match threshold: {len(identities)} identities, {len(files)} photos, "
        f"photos with no face found: {no_face or 'none'} =="
    )
    rounds = max(len(fs) for fs in identities.values())
    print(
        f"{rounds} enrolment rounds. recall = the identity's other photos blocked; "
        "false = photos matched to someone else (identity left out of the gallery)"
    )
    print(f"{'':9}  {'one photo enrolled':^32}  {'two photos enrolled':^32}")
    print(f"{'threshold':>9}  {'recall':>15} {'false':>16}  {'recall':>15} {'false':>16}")
    rows = {}
    for threshold in THRESHOLDS:
        line = f"{threshold:9.2f}"
        for photos in (1, 2):
            blocked, restricted, false_blocks, others = threshold_rounds(
                identities, embedded, threshold, photos
            )
            rows[threshold, photos] = (blocked / restricted, false_blocks / others)
            line += (
                f"  {blocked:4d}/{restricted:<4d} {blocked / restricted:6.1%} "
                f"{false_blocks:4d}/{others:<4d} {false_blocks / others:6.1%}"
            )
        print(line)
    for photos in (1, 2):
        measured = [(t, *rows[t, photos]) for t in THRESHOLDS]
        meeting = [
            t
            for t, recall, false in measured
            if recall >= GOAL_RECALL and false <= GOAL_FALSE_BLOCKS
        ]
        print(
            f"goal (100 % recall, <= 5 % false blocks, {photos} photo(s) enrolled) met at: "
            + (", ".join(f"{t:.2f}" for t in meeting) or "no threshold")
        )
        lowest = next((t for t, recall, _ in measured if recall >= GOAL_RECALL), None)
        if lowest is not None:
            print(
                f"  lowest threshold with 100 % recall: {lowest:.2f} ({rows[lowest, photos][1]:.1%} false)"
            )
    _labelled_pairs(dataset, embedded)
    print("As shipped (the restricted threshold follows the photos enrolled of the child):")
    for photos in (1, 2):
        threshold = faces.restricted_threshold(photos)
        blocked, restricted, false_blocks, others = threshold_rounds(
            identities, embedded, threshold, photos
        )
        met = blocked == restricted and false_blocks / others <= GOAL_FALSE_BLOCKS
        print(
            f"  restricted, {photos} photo(s) enrolled, threshold {threshold}: recall "
            f"{blocked}/{restricted} = {blocked / restricted:.1%}, false blocks {false_blocks}/{others} "
            f"= {false_blocks / others:.1%} -> goal {'met' if met else 'NOT met'}"
        )
    for photos in (1, 2):
        threshold = faces.IDENTIFY_MATCH_THRESHOLD
        blocked, restricted, false_blocks, others = threshold_rounds(
            identities, embedded, threshold, photos
        )
        print(
            f"  IDENTIFY_MATCH_THRESHOLD (consent) = {threshold}, {photos} photo(s) enrolled: "
            f"same person matched {blocked / restricted:.1%}, "
            f"someone else matched {false_blocks / others:.1%}"
        )


def _labelled_pairs(dataset: Path, embedded: dict[str, np.ndarray]) -> None:
    """The set's own same/different pairs (master.csv) at both thresholds."""
    with open(dataset / "master.csv", newline="") as f:
        pairs = [(r["file_x"], r["file_y"], r["Decision"].strip()) for r in csv.DictReader(f)]
    missing = sorted({n for x, y, _ in pairs for n in (x, y)} - set(embedded))
    embedded.update(embed_files(dataset, missing))
    distances = {"Yes": [], "No": []}
    for x, y, decision in pairs:
        if len(embedded[x]) and len(embedded[y]):
            distances[decision].append(float(np.linalg.norm(embedded[x][0] - embedded[y][0])))
    same, different = np.array(distances["Yes"]), np.array(distances["No"])
    for threshold in (
        faces.RESTRICTED_THRESHOLD_ONE_PHOTO,
        faces.RESTRICTED_THRESHOLD_TWO_PHOTOS,
        faces.IDENTIFY_MATCH_THRESHOLD,
    ):
        print(
            f"labelled pairs at {threshold}: {np.mean(same <= threshold):.1%} of {len(same)} "
            f"same-person pairs match, {np.mean(different <= threshold):.1%} of "
            f"{len(different)} different-person pairs match"
        )


# ---------------------------------------------------------------------------------------------
# 2. Detection


def bench_detection(data: Path) -> None:
    folder = data / "faces" / "group_photos" / "dlib_examples_faces"
    truth: dict[str, list[tuple[int, int, int, int]]] = {}
    for name in ("training.xml", "testing.xml"):
        for image in ET.parse(folder / name).getroot().iter("image"):
            truth[image.get("file")] = [
                tuple(int(b.get(k)) for k in ("left", "top", "width", "height"))
                for b in image.iter("box")
            ]
    photos = {name: faces.load_image((folder / name).read_bytes()) for name in truth}
    dogs = faces.load_image((folder / "dogs.jpg").read_bytes())
    total = sum(len(boxes) for boxes in truth.values())
    print(f"\n== Detection on {len(truth)} annotated group photos ({total} faces) ==")
    chosen = faces.DETECTION_SCORE_THRESHOLD
    try:
        for score in sorted({-0.3, 0.0, 0.3, 0.5, chosen}):
            faces.DETECTION_SCORE_THRESHOLD = score
            found = extra = 0
            started = time.perf_counter()
            for name, boxes in truth.items():
                detected = [box for box, _ in faces.detect_faces(photos[name])]
                found += sum(any(_iou(b, d) >= 0.4 for d in detected) for b in boxes)
                extra += sum(not any(_iou(b, d) >= 0.4 for b in boxes) for d in detected)
            per_photo = (time.perf_counter() - started) / len(truth)
            print(
                f"score threshold {score:+.1f}{' (chosen)' if score == chosen else '':9}: "
                f"recall {found}/{total} = {found / total:.1%}, false detections {extra}, "
                f"faces 'found' in dogs.jpg {len(faces.detect_faces(dogs))}, "
                f"{per_photo:.3f} s per photo"
            )
    finally:
        faces.DETECTION_SCORE_THRESHOLD = chosen


def _iou(a, b) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


# ---------------------------------------------------------------------------------------------
# 3. Speed of a 12-megapixel group photo


def group_photo(data: Path, count: int = 25) -> tuple[bytes, int]:
    """A 4000x3000 JPEG with `count` faces 140-260 px wide pasted in a 5x5 grid."""
    dataset = data / "faces" / "deepface_tests_dataset"
    canvas = Image.new("RGB", (4000, 3000), (118, 122, 110))
    draw = ImageDraw.Draw(canvas)
    for i in range(0, 3000, 6):  # a soft gradient so the background is not flat
        draw.line([(0, i), (4000, i)], fill=(100 + i // 40, 110 + i // 60, 96 + i // 50))
    sources = sorted(dataset.glob("img*.jpg"), key=lambda p: int(p.stem[3:].split("_")[0]))
    placed = 0
    for source in sources:
        if placed == count:
            break
        image = faces.load_image(source.read_bytes())
        found = faces.detect_faces(image)
        if len(found) != 1:
            continue
        (x, y, w, h), _ = found[0]
        width = 140 + 5 * placed  # 140 .. 260 px
        crop = image.crop((x - w * 0.6, y - h * 0.8, x + w * 1.6, y + h * 1.7))
        crop = crop.resize(
            (round(crop.width * width / w), round(crop.height * width / w)),
            Image.Resampling.LANCZOS,
        )
        row, col = divmod(placed, 5)
        canvas.paste(crop, (col * 800 + (800 - crop.width) // 2, row * 600 + 20))
        placed += 1
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=90)
    return out.getvalue(), placed


def random_gallery(people: int, per_person: int = 1, seed: int = 5) -> faces.Gallery:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(people * per_person, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return faces.Gallery(
        (f"P{i:05d}", vectors[i * per_person : (i + 1) * per_person]) for i in range(people)
    )


def bench_speed(data: Path, runs: int = 5) -> None:
    photo, placed = group_photo(data)
    gallery = random_gallery(5000)
    statuses = {
        external_id: {"restricted": i % 50 == 0, "purposes": {"social_media"}}
        for i, external_id in enumerate(gallery.external_ids)
    }
    check_photo(photo, gallery, statuses, "social_media")  # loads the models
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = check_photo(photo, gallery, statuses, "social_media")
        times.append(time.perf_counter() - started)
    per_photo = statistics.median(times)

    stages = {}
    started = time.perf_counter()
    image = faces.load_image(photo)
    stages["decode"] = time.perf_counter() - started
    started = time.perf_counter()
    detections = faces.detect_faces(image)
    stages["detect"] = time.perf_counter() - started
    started = time.perf_counter()
    found = faces.detect_and_embed(image)
    stages["embed"] = time.perf_counter() - started - stages["detect"]
    baseline = _dlib_embedding_seconds(image, detections)

    print(f"\n== 12-megapixel group photo: 4000x3000, {placed} faces pasted, 5,000 enrolled ==")
    print(
        f"faces found {len(result['faces'])}/{placed}; verdict {result['verdict']}; "
        f"{per_photo:.2f} s per photo (median of {runs}; goal <= 1.5 s) "
        f"[decode {stages['decode']:.2f}, detect {stages['detect']:.2f}, "
        f"landmarks+embed {stages['embed']:.2f}]"
    )
    ours = stages["embed"] / max(1, len(found))
    print(
        f"embedding per face: {ours * 1000:.0f} ms (NumPy) vs {baseline * 1000:.0f} ms "
        f"(dlib compute_face_descriptor) = {baseline / ours:.1f}x faster"
    )


def _dlib_embedding_seconds(image: Image.Image, detections) -> float:
    import dlib

    directory = faces.models_directory()
    model = dlib.face_recognition_model_v1(
        str(directory / "dlib_face_recognition_resnet_model_v1.dat")
    )
    predictor = dlib.shape_predictor(str(directory / "shape_predictor_5_face_landmarks.dat"))
    pixels = np.asarray(image)
    shapes = dlib.full_object_detections()
    for (x, y, w, h), _ in detections:
        shapes.append(predictor(pixels, dlib.rectangle(x, y, x + w, y + h)))
    chips = dlib.get_face_chips(pixels, shapes, CHIP_SIZE, CHIP_PADDING)
    started = time.perf_counter()
    model.compute_face_descriptor(chips)
    return (time.perf_counter() - started) / max(1, len(chips))


# ---------------------------------------------------------------------------------------------
# 4. Matching cost


def bench_matching(people: int = 5000) -> None:
    print(f"\n== Matching against {people:,} enrolled people ==")
    rng = np.random.default_rng(7)
    probes = rng.normal(size=(25, 128)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    for per_person in (1, 3):
        gallery = random_gallery(people, per_person)
        single = _seconds(lambda g=gallery: g.match(probes[0]), 200)
        batch = _seconds(lambda g=gallery: g.candidates(probes, 0.6), 50) / len(probes)
        print(
            f"{per_person} embedding(s) each: {single * 1e6:.0f} us per face alone, "
            f"{batch * 1e6:.0f} us per face in a 25-face photo"
        )
    vectors = [rng.normal(size=128).astype(np.float32) for _ in range(people)]
    loop = _seconds(lambda: min(float(np.linalg.norm(v - probes[0])) for v in vectors), 3)
    gallery = random_gallery(people)
    ours = _seconds(lambda: gallery.match(probes[0]), 200)
    print(f"baseline Python loop: {loop * 1e3:.1f} ms per face = {loop / ours:.0f}x slower")


def _seconds(function, repeat: int) -> float:
    function()  # warm-up: BLAS threads start on the first call
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - started) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--only", choices=["threshold", "detection", "speed", "matching"], action="append"
    )
    args = parser.parse_args(argv)
    wanted = set(args.only or ["threshold", "detection", "speed", "matching"])
    if wanted - {"matching"} and not (args.data / "faces").is_dir():
        print(f"{args.data}/faces not found: only the matching benchmark can run", file=sys.stderr)
        wanted = {"matching"}
    if "threshold" in wanted:
        bench_threshold(args.data)
    if "detection" in wanted:
        bench_detection(args.data)
    if "speed" in wanted:
        bench_speed(args.data)
    if "matching" in wanted:
        bench_matching()
    return 0


if __name__ == "__main__":
    sys.exit(main())
