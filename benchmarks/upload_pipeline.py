"""Upload benchmark: the desk's image pipeline against naive Pillow and plain libvips.

    .venv/bin/python benchmarks/upload_pipeline.py [--rounds 5] [--repeat 2] [--json]

Generates four uploads (a 24-megapixel JPEG with an EXIF orientation tag as phones write it, a
12-megapixel PNG without and one with alpha, a 4000 × 4000 WebP) and measures, side by side in
one run, the time and peak memory to turn each into a stored image of at most 2048 pixels:

- desk:  `stage8.images.pipeline.process` (validation, then libvips: shrink-on-load, upright,
         sRGB, LANCZOS3, progressive JPEG or WebP, plus the 320 px JPEG thumbnail);
- naive: Pillow open, full decode, LANCZOS resize, save (JPEG, or WebP with alpha);
- vips:  `pyvips.Image.thumbnail_buffer` and a save in the same format, libvips' defaults
         otherwise: the floor the desk is measured against.

All three encode with the desk's settings (`stage8/images/processed.py`).

Every measurement runs in a fresh subprocess: peak memory is its ru_maxrss after the first run
(which sees libjpeg's and libvips' C allocations) minus its ru_maxrss after the imports and
reading the file. The
pipelines take turns for `--rounds` rounds (interleaved, so a burst of load elsewhere hits them
all); each subprocess times `--repeat` runs after a first, warm-up run. Times are the min and the
median of all timed runs; memory is the median of the rounds. Ratios use the min times.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Constants only (no image library): every pipeline encodes with the desk's settings, so the
# ratios measure the pipelines, not a choice of encoder quality.
from stage8.images.processed import JPEG_QUALITY, WEBP_EFFORT, WEBP_QUALITY  # noqa: E402

EDGE = 2048
METHODS = ("desk", "naive", "vips")
AIMS = {"desk / vips time": 1.1, "desk / naive memory": 0.35}


# Inputs ---------------------------------------------------------------------------------------


def _picture(size: tuple[int, int], grain: float):
    """A photo-like picture: smooth gradients, shapes and sensor-like grain (weight `grain`)."""
    # In the input-making subprocess only: the driver must stay small (see main).
    from PIL import Image, ImageDraw, ImageFilter

    w, h = size
    small = (w // 8, h // 8)
    bands = [
        Image.linear_gradient("L").resize(small),
        Image.radial_gradient("L").resize(small),
        Image.linear_gradient("L").rotate(90).resize(small),
    ]
    im = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(im)
    for k in range(40):
        x, y = (k * 7919) % small[0], (k * 104729) % small[1]
        draw.ellipse((x, y, x + small[0] // 6, y + small[1] // 6), fill=(k * 6, 255 - k * 5, 90))
    im = im.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(im, noise, grain)


def make_inputs(folder: Path) -> dict[str, Path]:
    # In the input-making subprocess only.
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as a phone held upright writes it
    paths = {
        "24 MP JPEG": folder / "photo-24mp.jpg",
        "12 MP PNG": folder / "still-12mp.png",
        "12 MP PNG, alpha": folder / "cutout-12mp.png",
        "16 MP WebP (4000²)": folder / "square-16mp.webp",
    }
    # About 10 MB, like a 24 MP camera JPEG; the PNGs less grainy to stay under 25 MB.
    _picture((6000, 4000), 0.3).save(paths["24 MP JPEG"], "JPEG", quality=92, exif=exif.tobytes())
    still = _picture((4240, 2830), 0.1)
    still.save(paths["12 MP PNG"], "PNG", compress_level=6)
    alpha = Image.radial_gradient("L").resize(still.size).point(lambda v: 255 - v)
    still.putalpha(alpha)  # a soft vignette: every pixel's alpha differs from the next
    still.save(paths["12 MP PNG, alpha"], "PNG", compress_level=6)
    _picture((4000, 4000), 0.1).save(paths["16 MP WebP (4000²)"], "WEBP", quality=90)
    return paths


# Pipelines (run inside the worker subprocess) -------------------------------------------------


def _desk(data: bytes) -> bytes:
    # In the worker only: each pipeline imports just what it uses.
    from stage8.images.pipeline import process

    return process(data).data


def _naive(data: bytes) -> bytes:
    # In the worker only.
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    im.load()
    alpha = im.mode in ("RGBA", "LA", "PA")
    im = im.convert("RGBA" if alpha else "RGB")
    scale = EDGE / max(im.size)
    if scale < 1:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    out = io.BytesIO()
    if alpha:
        im.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_EFFORT)
    else:
        im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _vips(data: bytes) -> bytes:
    # In the worker only.
    import pyvips

    im = pyvips.Image.thumbnail_buffer(data, EDGE, height=EDGE, size="down")
    if im.hasalpha():
        return im.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_EFFORT, keep="none")
    return im.jpegsave_buffer(Q=JPEG_QUALITY, optimize_coding=True, keep="none")


def _prepare(method: str):
    if method == "desk":
        # In the worker only, before the baseline: the import's memory is not the pipeline's.
        import stage8.images.pipeline  # noqa: F401

        return _desk
    if method == "naive":
        # In the worker only, before the baseline.
        import PIL.Image  # noqa: F401

        return _naive
    # In the worker only, before the baseline.
    import pyvips

    pyvips.cache_set_max(0)  # no result cache: every run decodes again
    return _vips


def worker(method: str, path: Path, repeat: int) -> None:
    run = _prepare(method)
    data = path.read_bytes()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The first run is not timed (first-use costs: code pages, thread pools), but it is the one
    # whose peak memory counts: one upload in a fresh process, before allocator reuse blurs it.
    output = run(data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - started)
    print(json.dumps({"times": times, "peak_mb": (peak - base) / 1024, "bytes": len(output)}))


# Driver ---------------------------------------------------------------------------------------


def measure(method: str, path: Path, repeat: int) -> dict:
    command = [sys.executable, __file__, "--worker", method, str(path), "--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{method} failed on {path.name}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(path: Path, rounds: int, repeat: int) -> dict[str, dict]:
    """Every method, `rounds` times interleaved."""
    found: dict[str, list[dict]] = {m: [] for m in METHODS}
    for _ in range(rounds):
        for method in METHODS:
            found[method].append(measure(method, path, repeat))
    result = {}
    for method, runs in found.items():
        times = [t * 1000 for r in runs for t in r["times"]]
        result[method] = {
            "min_ms": round(min(times), 1),
            "median_ms": round(statistics.median(times), 1),
            "peak_mb": round(statistics.median(r["peak_mb"] for r in runs), 1),
            "output_kb": round(runs[0]["bytes"] / 1024, 1),
            "runs": len(times),
        }
    desk, naive, vips = result["desk"], result["naive"], result["vips"]
    result["ratios"] = {
        "desk / vips time": round(desk["min_ms"] / vips["min_ms"], 2),
        "desk / vips median time": round(desk["median_ms"] / vips["median_ms"], 2),
        "desk / naive time": round(desk["min_ms"] / naive["min_ms"], 2),
        "desk / naive memory": round(desk["peak_mb"] / naive["peak_mb"], 2),
        "desk / vips memory": round(desk["peak_mb"] / vips["peak_mb"], 2),
    }
    result["aims_met"] = {k: result["ratios"][k] <= limit for k, limit in AIMS.items()}
    return result


def _print(label: str, size_mb: float, rows: dict) -> None:
    print(f"\n{label}: {size_mb:.1f} MB")
    print(f"  {'pipeline':<8}{'min':>10}{'median':>10}{'peak memory':>14}{'output':>10}")
    for method in METHODS:
        r = rows[method]
        print(
            f"  {method:<8}{r['min_ms']:7.0f} ms{r['median_ms']:7.0f} ms"
            f"{r['peak_mb']:11.0f} MB{r['output_kb']:7.0f} KB"
        )
    for name, value in rows["ratios"].items():
        aim = f"  (aim <= {AIMS[name]}: {'met' if value <= AIMS[name] else 'NOT met'})"
        print(f"  {name + ':':<26}{value:6.2f}×{aim if name in AIMS else ''}")


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="subprocesses per pipeline")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs in each subprocess")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--make-inputs", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.repeat)
        return
    if args.make_inputs:
        print(json.dumps({k: str(v) for k, v in make_inputs(Path(args.make_inputs)).items()}))
        return
    report: dict = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "inputs": {}}
    report["rounds"], report["repeat"], report["aims"] = args.rounds, args.repeat, AIMS
    # The machine is shared: the load average (1, 5, 15 min) says how busy it was meanwhile.
    report["load_average"] = {"start": _load()}
    if not args.json:
        print(f"CPUs: {report['cpus']}; Python {report['python']}; aims: {AIMS}")
    with tempfile.TemporaryDirectory() as tmp:
        # In a subprocess too: a child's ru_maxrss starts at its parent's size at fork time, so
        # this process must stay small (it never decodes an image itself).
        made = subprocess.run(
            [sys.executable, __file__, "--make-inputs", tmp], capture_output=True, text=True
        )
        made.check_returncode()
        for label, name in json.loads(made.stdout).items():
            path = Path(name)
            rows = compare(path, args.rounds, args.repeat)
            size_mb = path.stat().st_size / 2**20
            report["inputs"][label] = {"file_mb": round(size_mb, 1), **rows}
            if not args.json:
                _print(label, size_mb, rows)
    report["load_average"]["end"] = _load()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"\nload average (1, 5, 15 min): {report['load_average']}")


if __name__ == "__main__":
    main()
