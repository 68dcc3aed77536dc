"""Scene page server render time and SQL query count at 10×8 and 50×8 assets×attempts.

Runs the real page with Streamlit's AppTest (the server-side script run, no browser) on a fresh
embedded desk, side by side in one run, and prints the ratio of the two sizes. Usage:

    .venv/bin/python benchmarks/scene_page.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="stage8-bench-")
    os.environ["STAGE8_HOME"] = home
    os.environ["STAGE8_SECRETS_FILE"] = str(Path(home) / "none.toml")
    os.chdir(ROOT)

    from sqlalchemy import event
    from streamlit.testing.v1 import AppTest

    from stage8.ui.session import _open
    from tests.bulk_fixtures import build_scene

    desk = _open()
    sizes = {"10x8": (10, 8), "50x8": (50, 8)}
    for name, (assets, attempts) in sizes.items():
        build_scene(desk, name, assets, attempts)

    results = {}
    for name in sizes:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.switch_page("app_pages/scene.py")
        at.query_params["scene"] = "1"
        at.query_params["project"] = name
        at.run()  # warm the image caches and the desk
        times, queries = [], []
        for _ in range(args.repeat):
            count = 0

            def hook(*_a, **_k):
                nonlocal count
                count += 1

            event.listen(desk.engine, "before_cursor_execute", hook)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            event.remove(desk.engine, "before_cursor_execute", hook)
            queries.append(count)
            assert not at.exception, at.exception
        results[name] = (statistics.median(times), max(queries))

    print(f"{'assets×attempts':<16}{'render (median s)':>20}{'SQL queries':>14}")
    for name, (seconds, queries) in results.items():
        print(f"{name:<16}{seconds:>20.3f}{queries:>14}")
    small, large = results["10x8"], results["50x8"]
    print(
        f"ratio 50x8 / 10x8: time {large[0] / small[0]:.2f}× for 5× the assets; "
        f"queries {large[1] / small[1]:.2f}×"
    )


if __name__ == "__main__":
    main()
