"""Ingest benchmark: the desk's image pipeline against a naive Pillow one and libvips.

    .venv/bin/python benchmarks/upload_pipeline.py [--rounds 3] [--repeat 3]

Generates a 24-megapixel JPEG (6000 × 4000, with an EXIF orientation tag as phones write) and a
12-megapixel PNG, then measures, side by side in one run, the time and peak memory to turn each
into a stored image of at most 2048 pixels with:

- desk:   `stage8.images.pipeline.process` (validation, draft-mode JPEG decoding, upright, sRGB,
          LANCZOS, JPEG/WebP encoding, plus the JPEG thumbnail),
- naive:  Pillow open, full load, LANCZOS resize to 2048, save as JPEG,
- vips:   `pyvips.Image.thumbnail_buffer` (shrink-on-load) and a JPEG save, with libvips'
          default thread pool and with one thread (pyvips[binary], requirements-bench.txt;
          the columns are skipped when pyvips is not installed).

Every measurement runs in a fresh subprocess: peak memory is that process's ru_maxrss (which,
unlike tracemalloc, sees libjpeg's and libvips' C allocations) minus its maxrss after the
imports and reading the file. The pipelines take turns for `--rounds` rounds, and the time shown
is the best of the runs after each process's first (other work on the machine only adds time);
"first" is the best first run, with cold caches in that process.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDGE = 2048
METHODS = ("desk", "naive", "vips", "vips-1-thread")
GOALS = "goals on the JPEG: naive/desk >= 3, desk/vips <= 1.3, memory desk/naive <= 0.33"


# Inputs ---------------------------------------------------------------------------------------


def _picture(size: tuple[int, int], grain: float):
    """A photo-like picture: smooth gradients, shapes and sensor-like grain (weight `grain`)."""
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
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as a phone held upright writes it
    jpeg, smooth = folder / "photo-24mp.jpg", folder / "smooth-24mp.jpg"
    png = folder / "still-12mp.png"
    # About 10 MB, like a 24 MP camera JPEG; a low-detail one, where decoding costs less; the
    # PNG less grainy than the photo to stay under the 25 MB upload limit.
    _picture((6000, 4000), 0.3).save(jpeg, "JPEG", quality=92, exif=exif.tobytes())
    _picture((6000, 4000), 0.04).save(smooth, "JPEG", quality=92, exif=exif.tobytes())
    _picture((4240, 2830), 0.1).save(png, "PNG", compress_level=6)
    return {"24 MP JPEG": jpeg, "24 MP JPEG, low detail": smooth, "12 MP PNG": png}


# Pipelines (run inside the worker subprocess) -------------------------------------------------


def _desk(data: bytes) -> bytes:
    from stage8.images.pipeline import process

    return process(data).data


def _naive(data: bytes) -> bytes:
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    im.load()
    im = im.convert("RGB")
    scale = EDGE / max(im.size)
    if scale < 1:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def _vips(data: bytes) -> bytes:
    import pyvips

    im = pyvips.Image.thumbnail_buffer(data, EDGE, height=EDGE, size="down")
    return im.write_to_buffer(".jpg", Q=90, keep="none")


def _prepare(method: str) -> object:
    if method == "desk":
        sys.path.insert(0, str(ROOT))
        import stage8.images.pipeline  # noqa: F401

        return _desk
    if method == "naive":
        import PIL.Image  # noqa: F401

        return _naive
    import pyvips

    pyvips.cache_set_max(0)  # no result cache: every run decodes again
    return _vips


def worker(method: str, path: Path, repeat: int) -> None:
    run = _prepare(method)
    data = path.read_bytes()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    output = run(data)
    first = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - started)
    result = {
        "times": times or [first],
        "first": first,
        "peak_mb": (peak - base) / 1024,  # ru_maxrss is in KiB on Linux
        "output_bytes": len(output),
    }
    print(json.dumps(result))


# Driver ---------------------------------------------------------------------------------------


def measure(method: str, path: Path, repeat: int) -> dict | None:
    env = dict(os.environ)
    if method == "vips-1-thread":
        env["VIPS_CONCURRENCY"] = "1"
    command = [sys.executable, __file__, "--worker", method.removesuffix("-1-thread"), str(path)]
    done = subprocess.run(
        [*command, "--repeat", str(repeat)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        if "No module named 'pyvips'" in done.stderr or "cannot load library" in done.stderr:
            return None
        raise RuntimeError(f"{method} failed on {path.name}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(path: Path, rounds: int, repeat: int) -> dict[str, dict | None]:
    """Every method, `rounds` times interleaved, so a burst of load elsewhere hits them all."""
    found: dict[str, list[dict]] = {m: [] for m in METHODS}
    for _ in range(rounds):
        for method in METHODS:
            if (r := measure(method, path, repeat)) is not None:
                found[method].append(r)
    return {
        m: {
            "seconds": min(t for r in runs for t in r["times"]),
            "first": min(r["first"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "output_bytes": runs[0]["output_bytes"],
        }
        if runs
        else None
        for m, runs in found.items()
    }


def _ratio(a: float, b: float) -> str:
    return f"{a / b:6.2f}×" if b else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="subprocesses per pipeline")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the first")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--make-inputs", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.repeat)
        return
    if args.make_inputs:
        print(json.dumps({k: str(v) for k, v in make_inputs(Path(args.make_inputs)).items()}))
        return
    print(f"CPUs: {os.cpu_count()}; Python {sys.version.split()[0]}; {GOALS}")
    with tempfile.TemporaryDirectory() as tmp:
        # In a subprocess too: a child's ru_maxrss starts at its parent's size at fork time, so
        # this process must stay small (it never decodes an image itself).
        made = subprocess.run(
            [sys.executable, __file__, "--make-inputs", tmp], capture_output=True, text=True
        )
        made.check_returncode()
        inputs = {k: Path(v) for k, v in json.loads(made.stdout).items()}
        for label, path in inputs.items():
            print(f"\n{label}: {path.stat().st_size / 2**20:.1f} MB")
            print(f"  {'pipeline':<14}{'time':>10}{'first':>10}{'peak memory':>14}{'output':>10}")
            rows = compare(path, args.rounds, args.repeat)
            for method, r in rows.items():
                if r is None:
                    print(f"  {method:<14}   skipped: pyvips[binary] is not installed")
                    continue
                seconds, first = r["seconds"] * 1000, r["first"] * 1000
                print(
                    f"  {method:<14}{seconds:8.0f} ms{first:7.0f} ms"
                    f"{r['peak_mb']:11.0f} MB{r['output_bytes'] / 1024:7.0f} KB"
                )
            desk, naive, vips = rows["desk"], rows["naive"], rows["vips"]
            print(f"  naive / desk time:   {_ratio(naive['seconds'], desk['seconds'])}")
            print(f"  desk / naive memory: {_ratio(desk['peak_mb'], naive['peak_mb'])}")
            if vips is not None:
                one = rows["vips-1-thread"]
                print(f"  desk / vips time:    {_ratio(desk['seconds'], vips['seconds'])}")
                print(f"  desk / vips 1-thread:{_ratio(desk['seconds'], one['seconds'])}")
                print(f"  desk / vips memory:  {_ratio(desk['peak_mb'], vips['peak_mb'])}")


if __name__ == "__main__":
    main()
