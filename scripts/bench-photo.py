#!/usr/bin/env python3
"""Photo pipeline benchmark: Testigo's `photo prepare` against libvips' vipsthumbnail and Pillow.

All three do the same job on the same synthetic corpus (12-megapixel phone photos of actas, some
with EXIF rotation and GPS): decode, auto-orient, strip metadata, resize to the same long edge,
encode JPEG at the same quality. For each tool and photo it records wall time and peak resident
memory of the process (os.wait4), output bytes, and SSIM of the output against one reference (the
original decoded at full size by Pillow, oriented, resized with Lanczos, never JPEG-compressed).

Usage: scripts/bench-photo.py [--count N] [--edge PX] [--quality Q] [--runs R]
Needs: vipsthumbnail (Debian libvips-tools), GNU time (Debian time), Pillow and numpy (pip);
builds testigo in release mode itself.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def need(cond, msg):
    if not cond:
        sys.exit(f"bench-photo: {msg}")


def run(cmd):
    """Runs cmd; returns (seconds, peak RSS in MiB).

    The peak RSS comes from GNU time, which forks the tool from its own small process: a child
    forked from this (large, numpy-laden) interpreter would report the interpreter's pages too.
    """
    rss_file = tempfile.NamedTemporaryFile(prefix="rss-", delete=False)
    rss_file.close()
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *cmd],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    need(proc.returncode == 0, f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')}")
    with open(rss_file.name) as f:
        kib = int(f.read().split()[-1])
    os.unlink(rss_file.name)
    return elapsed, kib / 1024.0


PILLOW_SNIPPET = """
import sys
from PIL import Image, ImageOps
src, dst, edge, q = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
im = Image.open(src)
im.draft("RGB", (edge, edge))          # DCT scaling during decode, as ours and libvips do
im = ImageOps.exif_transpose(im)
im.thumbnail((edge, edge), Image.LANCZOS)
im.save(dst, "JPEG", quality=q)        # no exif= / icc_profile= given: metadata stripped
"""


def ssim(a, b):
    """Mean SSIM of two equally sized luma arrays (Gaussian window, sigma 1.5, as Wang et al.)."""
    import numpy as np

    def blur(x):
        radius = 5
        k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / 1.5) ** 2)
        k /= k.sum()
        x = np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 1, x)
        return np.apply_along_axis(lambda c: np.convolve(c, k, mode="valid"), 0, x)

    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(s.mean())


def luma(path, size=None):
    import numpy as np
    from PIL import Image

    im = Image.open(path).convert("L")
    if size and im.size != size:
        return None
    return np.asarray(im)


def reference(path, edge):
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    im.thumbnail((edge, edge), Image.LANCZOS)
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--edge", type=int, default=2000)
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per photo and tool")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    need(shutil.which("vipsthumbnail"), "vipsthumbnail not found (apt-get install libvips-tools)")
    need(os.path.exists("/usr/bin/time"), "GNU time not found (apt-get install time)")
    try:
        import numpy  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        sys.exit("bench-photo: needs Pillow and numpy (pip install pillow numpy)")

    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "testigo-cli"], cwd=ROOT, check=True)
    testigo = os.path.join(target, "release", "testigo")

    work = tempfile.mkdtemp(prefix="testigo-bench-photo-")
    corpus = os.path.join(work, "corpus")
    subprocess.run([testigo, "sim", "actas", "--count", str(args.count), "--out", corpus, "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL)
    photos = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".jpg"))

    tools = {
        "testigo": lambda src, dst: [testigo, "photo", "prepare", src, dst, "--max-edge", str(args.edge),
                                     "--quality", str(args.quality), "--no-qr"],
        "testigo+qr": lambda src, dst: [testigo, "photo", "prepare", src, dst, "--max-edge", str(args.edge),
                                        "--quality", str(args.quality)],
        "vipsthumbnail": lambda src, dst: ["vipsthumbnail", src, "-s", f"{args.edge}x{args.edge}",
                                           "-o", f"{dst}[Q={args.quality},strip]"],
        "pillow": lambda src, dst: [sys.executable, "-c", PILLOW_SNIPPET, src, dst, str(args.edge),
                                    str(args.quality)],
    }
    results = {name: {"time": [], "rss": [], "bytes": [], "ssim": []} for name in tools}
    for i, src in enumerate(photos):
        ref = reference(src, args.edge)
        ref_luma = luma_from_image(ref)
        for name, cmd in tools.items():
            dst = os.path.join(work, f"{name}-{i}.jpg")
            times = []
            for _ in range(args.runs):
                t, rss = run(cmd(src, dst))
                times.append(t)
                results[name]["rss"].append(rss)
            results[name]["time"].append(statistics.median(times))
            results[name]["bytes"].append(os.path.getsize(dst))
            out = luma(dst, ref.size)
            results[name]["ssim"].append(ssim(ref_luma, out) if out is not None else float("nan"))

    summary = {}
    for name, r in results.items():
        summary[name] = {
            "median_ms": round(statistics.median(r["time"]) * 1000, 1),
            "peak_rss_mib": round(max(r["rss"]), 1),
            "median_output_kib": round(statistics.median(r["bytes"]) / 1024, 1),
            "mean_ssim": round(statistics.fmean(r["ssim"]), 4),
        }
    if args.json:
        print(json.dumps({"photos": len(photos), "edge": args.edge, "quality": args.quality, "tools": summary}))
    else:
        print(f"{len(photos)} synthetic 12-MP acta photos, long edge {args.edge}, quality {args.quality}, "
              f"median of {args.runs} runs each")
        print(f"{'tool':<15}{'median ms':>10}{'peak RSS MiB':>14}{'output KiB':>12}{'SSIM':>8}")
        for name, s in summary.items():
            print(f"{name:<15}{s['median_ms']:>10}{s['peak_rss_mib']:>14}{s['median_output_kib']:>12}"
                  f"{s['mean_ssim']:>8}")
    shutil.rmtree(work)


def luma_from_image(im):
    import numpy as np

    return np.asarray(im.convert("L"))


if __name__ == "__main__":
    main()
