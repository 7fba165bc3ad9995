"""Benchmark 8: a phone's photo made right for Viber, and the acknowledgements meanwhile.

1. Re-encoding a 12-megapixel photo (4,000 × 3,000 JPEG with EXIF, as a phone writes it) the
   way the app does (`bot.core.images.prepare`), in a process of its own: time and peak memory,
   beside the same-run baseline of opening and decoding the photo at full size with Pillow (what
   a re-encoder that does not use the JPEG's own scaling must do at least).
2. Acknowledgements while the app hosts uploads: agents open the composer and submit it (as in
   benchmark 1) while other submissions upload that photo back to back; the same agents against
   the same app with no uploads, and against a bare Bolt app, in turn.

    python -m benchmarks.images [--runs 5] [--agents 10] [--requests 400] [--uploads 20]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from benchmarks.ack_latency import drive_elsewhere
from benchmarks.common import (
    ROOT,
    AppProcess,
    Baseline,
    EsmsStandIn,
    SlackApiStandIn,
    app_environment,
    percentiles,
    start_app,
    table,
)
from tests.e2e.harness import composer_values


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG with a phone's EXIF (orientation, GPS), detailed enough to weigh
    what a real photo weighs (a few MB)."""
    noise = Image.effect_noise((width // 4, height // 4), 50).resize((width, height))
    picture = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(0)))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {2: (10.0, 45.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


# One run in a fresh interpreter that imports only Pillow and the app's picture code, so that
# its peak memory is the re-encoding's, not a benchmark's imports.
_ONE_RUN = """
import io, json, sys, time
from PIL import Image
from bot.core.images import prepare
mode, path = sys.argv[1:3]
data = open(path, "rb").read()
started = time.perf_counter()
if mode == "app":
    prepare(data, 800)
else:
    Image.open(io.BytesIO(data)).load()
seconds = time.perf_counter() - started
# VmHWM, this program's own peak: getrusage's would count the benchmark's, from before exec.
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
peak = int(status) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""


def in_own_process(mode: str, path: str) -> dict[str, float]:
    command = [sys.executable, "-c", _ONE_RUN, mode, path]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def reencoding(runs: int, workdir: Path) -> None:
    photo = workdir / "photo.jpg"
    photo.write_bytes(phone_photo())
    rows = []
    for mode, label in (("decode", "baseline: Pillow decodes it whole"), ("app", "viber-bot")):
        results = [in_own_process(mode, str(photo)) for _ in range(runs)]
        seconds = sorted(r["seconds"] for r in results)
        peaks = sorted(r["peak_mb"] for r in results)
        rows.append(
            [
                label,
                runs,
                statistics.median(seconds),
                seconds[-1],
                statistics.median(peaks),
                peaks[-1],
            ]
        )
    table(
        f"A 12-megapixel photo ({photo.stat().st_size / 1e6:.1f} MB JPEG), each in its own process",
        ["", "runs", "s median", "s max", "peak MB median", "peak MB max"],
        rows,
    )
    print("target: < 1 s and < 150 MB peak")


def acknowledgements(args: argparse.Namespace, workdir: Path) -> None:
    slack, esms = SlackApiStandIn().start(), EsmsStandIn().start()
    env = app_environment(slack.url, esms.url, 0, workdir / "unused.db")
    baseline = Baseline("bolt", workdir, env)
    bolt = AppProcess(env, baseline.port, workdir / "baseline.log")
    app = start_app(slack, esms, workdir)
    photo = phone_photo()
    results: dict[str, list[float]] = {"bolt": [], "idle": [], "uploading": []}
    try:
        for target in (bolt, app):
            drive_elsewhere(target, args.agents, 40)  # warm-up
        results["bolt"] = drive_elsewhere(bolt, args.agents, args.requests)
        results["idle"] = drive_elsewhere(app, args.agents, args.requests)
        stop = threading.Event()

        def upload_all() -> None:
            for number in range(args.uploads):
                if stop.is_set():
                    return
                # A different file each time (a comment of its own): hosted, never reused.
                variant = with_comment(photo, f"upload {number}")
                file = slack.add_file(f"photo-{number}.jpg", variant, filetype="jpg")
                files = {"image_file": {"type": "file_input", "files": [file]}}
                values = composer_values(
                    recipients=f"09{number:08d}",
                    text="Ảnh đơn hàng",
                    button_label="Xem",
                    button_url="https://shop.example/a",
                )
                app.submit_composer(values, extra_state=files)

        uploader = threading.Thread(target=upload_all)
        uploader.start()
        results["uploading"] = drive_elsewhere(app, args.agents, args.requests)
        stop.set()
        uploader.join()
        deadline = time.monotonic() + 120  # every upload hosted and handed to eSMS
        while app_hosted(esms) < args.uploads and time.monotonic() < deadline:
            time.sleep(0.2)
        hosted = app_hosted(esms)
    finally:
        baseline.stop()
        app.stop()
        slack.stop()
        esms.stop()
    rows = []
    for key, label in (
        ("bolt", "baseline: Bolt, ack only"),
        ("idle", "viber-bot, no uploads"),
        ("uploading", "viber-bot, hosting uploads"),
    ):
        figures = percentiles(results[key])
        rows.append([label, len(results[key]), figures["p50"], figures["p99"], figures["max"]])
    table(
        f"Acknowledgements (ms), {args.agents} agents, while 12-megapixel uploads are hosted",
        ["server", "requests", "p50", "p99", "max"],
        rows,
    )
    bolt_p99 = percentiles(results["bolt"])["p99"]
    print(
        f"p99 ÷ Bolt's: {percentiles(results['uploading'])['p99'] / bolt_p99:.2f} while hosting, "
        f"{percentiles(results['idle'])['p99'] / bolt_p99:.2f} without; pictures sent to eSMS "
        f"meanwhile: {hosted}"
    )


def with_comment(jpeg: bytes, comment: str) -> bytes:
    """The same picture with a JPEG comment segment right after its start marker."""
    text = comment.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


def app_hosted(esms: EsmsStandIn) -> int:
    return sum(1 for s in esms.submissions if "/media/" in str(s.body.get("OttImgUrl", "")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--uploads", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-images-"))
    reencoding(args.runs, workdir)
    acknowledgements(args, workdir)
    print(f"\n({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
