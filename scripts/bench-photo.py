#!/usr/bin/env python3
"""Photo pipeline benchmark: Testigo's `photo prepare` against libvips' vipsthumbnail and Pillow.

All three do the same job on the same synthetic corpus (12-megapixel phone photos of actas, some
with EXIF rotation and GPS): decode, auto-orient, strip metadata, resize to the same long edge,
encode JPEG at the same quality. For each tool and photo it records wall time and peak resident
memory of the process (os.wait4), output bytes, and SSIM of the output against one reference (the
original decoded at full size by Pillow, oriented, resized with Lanczos, never JPEG-compressed).

Sweep mode (--sweep 70,75,80,85,90) runs testigo (--no-qr), vipsthumbnail and Pillow once per photo
at each of those JPEG qualities (sizes and SSIM are deterministic, so --runs is not used and nothing
is timed) and reports, per tool and quality, the median output KiB and mean SSIM. Then, for each of
our quality points, it reads libvips' and Pillow's size at our SSIM off their curves by linear
interpolation (never extrapolated) and reports "bytes at equal SSIM" as ours / theirs, both on the
summary curves (mean SSIM against median KiB) and, as a check, per photo (geometric mean of the
per-photo ratios; n is how many photos' SSIM fell inside that tool's range).

Usage: scripts/bench-photo.py [--count N] [--edge PX] [--quality Q] [--runs R] [--sweep Q1,Q2,...]
                              [--testigo PATH] [--json]
Needs: vipsthumbnail (Debian libvips-tools), GNU time (Debian time), Pillow and numpy (pip);
builds testigo in release mode itself unless --testigo PATH (or TESTIGO_BIN) names a binary.
"""

import argparse
import json
import math
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
    ap.add_argument("--sweep", metavar="Q1,Q2,...",
                    help="quality-matched sweep over these JPEG qualities instead of the timed run")
    ap.add_argument("--testigo", metavar="PATH", default=os.environ.get("TESTIGO_BIN"),
                    help="use this testigo binary instead of building one (default: $TESTIGO_BIN)")
    args = ap.parse_args()
    qualities = None
    if args.sweep:
        try:
            qualities = sorted({int(q) for q in args.sweep.split(",") if q.strip()})
        except ValueError:
            sys.exit("bench-photo: --sweep takes comma-separated integer qualities, e.g. 70,75,80")
        need(len(qualities) >= 2 and all(1 <= q <= 100 for q in qualities),
             "--sweep needs at least two qualities between 1 and 100")

    need(shutil.which("vipsthumbnail"), "vipsthumbnail not found (apt-get install libvips-tools)")
    need(os.path.exists("/usr/bin/time"), "GNU time not found (apt-get install time)")
    try:
        import numpy  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        sys.exit("bench-photo: needs Pillow and numpy (pip install pillow numpy)")

    if args.testigo:
        testigo = os.path.abspath(args.testigo)
        need(os.access(testigo, os.X_OK), f"--testigo {args.testigo}: not an executable file")
    else:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "testigo-cli"], cwd=ROOT, check=True)
        testigo = os.path.join(target, "release", "testigo")

    work = tempfile.mkdtemp(prefix="testigo-bench-photo-")
    corpus = os.path.join(work, "corpus")
    subprocess.run([testigo, "sim", "actas", "--count", str(args.count), "--out", corpus, "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL)
    photos = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".jpg"))

    if qualities:
        sweep(args, testigo, photos, work, qualities)
        shutil.rmtree(work)
        return

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


def interpolate(curve, s):
    """Size at SSIM s on a curve of (ssim, size) points, linear between the two that bracket s;
    None when s lies outside the curve's range (no extrapolation)."""
    pts = sorted(curve)
    for (s0, b0), (s1, b1) in zip(pts, pts[1:]):
        if s0 <= s <= s1:
            return b0 if s1 == s0 else b0 + (b1 - b0) * (s - s0) / (s1 - s0)
    return None


def sweep(args, testigo, photos, work, qualities):
    tools = {
        "testigo": lambda src, dst, q: [testigo, "photo", "prepare", src, dst, "--max-edge", str(args.edge),
                                        "--quality", str(q), "--no-qr"],
        "vipsthumbnail": lambda src, dst, q: ["vipsthumbnail", src, "-s", f"{args.edge}x{args.edge}",
                                              "-o", f"{dst}[Q={q},strip]"],
        "pillow": lambda src, dst, q: [sys.executable, "-c", PILLOW_SNIPPET, src, dst, str(args.edge), str(q)],
    }
    # data[tool][quality] = {"bytes": [per photo], "ssim": [per photo]}
    data = {name: {q: {"bytes": [], "ssim": []} for q in qualities} for name in tools}
    for i, src in enumerate(photos):
        ref = reference(src, args.edge)
        ref_luma = luma_from_image(ref)
        for name, cmd in tools.items():
            for q in qualities:
                dst = os.path.join(work, f"{name}-q{q}-{i}.jpg")
                proc = subprocess.run(cmd(src, dst, q), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                need(proc.returncode == 0, f"{name} failed at q{q}: {proc.stderr.decode(errors='replace')}")
                out = luma(dst, ref.size)
                need(out is not None, f"{name} at q{q} produced {image_size(dst)}, reference is {ref.size}")
                data[name][q]["bytes"].append(os.path.getsize(dst))
                data[name][q]["ssim"].append(ssim(ref_luma, out))
                os.unlink(dst)
        print(f"bench-photo: photo {i + 1}/{len(photos)} done", file=sys.stderr)

    curves = {name: {q: {"median_output_kib": round(statistics.median(d["bytes"]) / 1024, 1),
                         "mean_ssim": round(statistics.fmean(d["ssim"]), 4)}
                     for q, d in per_q.items()}
              for name, per_q in data.items()}
    for name, per_q in data.items():
        means = [statistics.fmean(per_q[q]["ssim"]) for q in qualities]
        if any(b < a for a, b in zip(means, means[1:])):
            print(f"bench-photo: warning: {name}'s mean SSIM is not monotonic in quality", file=sys.stderr)

    matched = {}
    for q in qualities:
        ours = data["testigo"][q]
        ours_kib = statistics.median(ours["bytes"]) / 1024
        ours_ssim = statistics.fmean(ours["ssim"])
        row = {}
        for other in ("vipsthumbnail", "pillow"):
            # Summary curve: mean SSIM against median KiB, one point per quality.
            curve = [(statistics.fmean(data[other][oq]["ssim"]), statistics.median(data[other][oq]["bytes"]) / 1024)
                     for oq in qualities]
            theirs_kib = interpolate(curve, ours_ssim)
            # Per photo: that photo's own curve, read at our SSIM on that photo.
            logs = []
            for i in range(len(photos)):
                pc = [(data[other][oq]["ssim"][i], data[other][oq]["bytes"][i]) for oq in qualities]
                b = interpolate(pc, ours["ssim"][i])
                if b:
                    logs.append(math.log(ours["bytes"][i] / b))
            row[other] = {
                "kib_at_equal_ssim": None if theirs_kib is None else round(theirs_kib, 1),
                "ratio": None if theirs_kib is None else round(ours_kib / theirs_kib, 3),
                "per_photo_geomean_ratio": round(math.exp(statistics.fmean(logs)), 3) if logs else None,
                "per_photo_n": len(logs),
            }
        matched[q] = {"ours_kib": round(ours_kib, 1), "ours_ssim": round(ours_ssim, 4), "vs": row}

    if args.json:
        print(json.dumps({"photos": len(photos), "edge": args.edge, "qualities": qualities,
                          "curves": curves, "equal_ssim": matched}))
        return
    print(f"{len(photos)} synthetic 12-MP acta photos, long edge {args.edge}, quality sweep "
          f"{','.join(map(str, qualities))}; testigo without QR search")
    print(f"{'quality':>7}" + "".join(f"{name + ' KiB':>20}{'SSIM':>8}" for name in tools))
    for q in qualities:
        print(f"{q:>7}" + "".join(f"{curves[name][q]['median_output_kib']:>20}{curves[name][q]['mean_ssim']:>8.4f}"
                                  for name in tools))
    print()
    print("bytes at equal SSIM, ours / theirs (their size interpolated at our SSIM; '-' = outside their range)")
    print(f"{'quality':>7}{'our KiB':>9}{'our SSIM':>10}"
          f"{'vips KiB':>10}{'ratio':>7}{'per-photo':>11}{'Pillow KiB':>12}{'ratio':>7}{'per-photo':>11}")
    fmt = lambda v, w, spec="": f"{'-' if v is None else format(v, spec):>{w}}"  # noqa: E731
    for q in qualities:
        m = matched[q]
        line = f"{q:>7}{m['ours_kib']:>9}{m['ours_ssim']:>10.4f}"
        for other, w in (("vipsthumbnail", 10), ("pillow", 12)):
            r = m["vs"][other]
            pp = None if r["per_photo_geomean_ratio"] is None else \
                f"{r['per_photo_geomean_ratio']:.3f} ({r['per_photo_n']})"
            line += fmt(r["kib_at_equal_ssim"], w) + fmt(r["ratio"], 7, ".3f") + fmt(pp, 11)
        print(line)


def image_size(path):
    from PIL import Image

    return Image.open(path).size


def luma_from_image(im):
    import numpy as np

    return np.asarray(im.convert("L"))


if __name__ == "__main__":
    main()
