"""Encoder settings: bytes against quality for the stored images, measured on the desk's inputs.

    .venv/bin/python benchmarks/encode_quality.py [--json]

Makes the photo-like 24 MP JPEG and the 12 MP PNG with alpha of `upload_pipeline.py`, brings
each to its stored size (2048 px) with libvips, then encodes that picture with each candidate
setting and decodes it again: bytes, encode time (min of 3), PSNR and SSIM against the picture
before encoding (SSIM on luma over 8 × 8 windows; alpha pictures compared over white, as a page
shows them). The settings in `stage8/images/processed.py` were picked from this table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyvips

HERE = Path(__file__).resolve().parent
EDGE = 2048
JPEG = [
    (f"JPEG Q{q} {name}", ".jpg", {"Q": q, **options})
    for q in (80, 85, 90, 95)
    for name, options in (
        ("baseline", {}),
        ("baseline, optimised", {"optimize_coding": True}),
        ("progressive", {"interlace": True, "optimize_coding": True}),
    )
]
WEBP = [
    (f"WebP Q{q} effort {e}", ".webp", {"Q": q, "effort": e}) for q in (80, 85, 90) for e in (2, 4)
]
WEBP += [("WebP lossless effort 2", ".webp", {"lossless": True, "effort": 2})]


def _luma(im: pyvips.Image) -> np.ndarray:
    if im.hasalpha():
        im = im.flatten(background=[255, 255, 255])
    return im.colourspace("b-w").numpy().astype(np.float64).squeeze()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray, window: int = 8) -> float:
    h, w = (a.shape[0] // window) * window, (a.shape[1] // window) * window

    def blocks(x: np.ndarray) -> np.ndarray:
        return x[:h, :w].reshape(h // window, window, w // window, window).swapaxes(1, 2)

    x, y = blocks(a), blocks(b)
    mx, my = x.mean(axis=(2, 3)), y.mean(axis=(2, 3))
    vx, vy = x.var(axis=(2, 3)), y.var(axis=(2, 3))
    cov = ((x - mx[..., None, None]) * (y - my[..., None, None])).mean(axis=(2, 3))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    top = (2 * mx * my + c1) * (2 * cov + c2)
    return float(np.mean(top / ((mx**2 + my**2 + c1) * (vx + vy + c2))))


def table(picture: pyvips.Image, settings: list) -> list[dict]:
    reference = _luma(picture)
    rows = []
    for label, suffix, options in settings:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            data = picture.write_to_buffer(suffix, keep="none", **options)
            times.append(time.perf_counter() - started)
        decoded = _luma(pyvips.Image.new_from_buffer(data, ""))
        rows.append(
            {
                "setting": label,
                "kb": round(len(data) / 1024, 1),
                "encode_ms": round(min(times) * 1000, 1),
                "psnr_db": round(psnr(reference, decoded), 2),
                "ssim": round(ssim(reference, decoded), 4),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pyvips.cache_set_max(0)
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        made = subprocess.run(
            [sys.executable, str(HERE / "upload_pipeline.py"), "--make-inputs", tmp],
            capture_output=True,
            text=True,
            check=True,
        )
        inputs = json.loads(made.stdout)
        for label, settings in (("24 MP JPEG", JPEG), ("12 MP PNG, alpha", WEBP)):
            data = Path(inputs[label]).read_bytes()
            picture = pyvips.Image.thumbnail_buffer(data, EDGE, height=EDGE).copy_memory()
            report[label] = table(picture, settings)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for label, rows in report.items():
        print(f"\n{label}, stored at {EDGE} px")
        print(f"  {'setting':<32}{'KB':>8}{'encode':>10}{'PSNR':>9}{'SSIM':>8}")
        for r in rows:
            print(
                f"  {r['setting']:<32}{r['kb']:8.0f}{r['encode_ms']:7.0f} ms"
                f"{r['psnr_db']:6.1f} dB{r['ssim']:8.4f}"
            )


if __name__ == "__main__":
    main()
