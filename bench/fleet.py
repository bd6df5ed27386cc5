#!/usr/bin/env python3
"""Fleet-scale benchmark for ladder: wall time, peak memory and output size of
`ladder build` on synthetic specs of 1,000, 10,000 and 100,000 components across
three environments, and the same Application manifests through `kubectl kustomize`
for comparison.

Run from the repository root (standard library only):

    python3 bench/fleet.py            # all sizes, writes the table to stdout
    python3 bench/fleet.py --quick    # 1,000 and 10,000 only

Specs come from `cargo run --release --example gen_spec -- N SEED` (deterministic).
Each build runs in a fresh process, measured by a child Python process with
getrusage, so peak memory is the build's own. Times are the median of the runs.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LADDER = os.path.join(ROOT, "target", "release", "ladder")
GEN = os.path.join(ROOT, "target", "release", "examples", "gen_spec")
SEED = 1


def measure(argv, cwd):
    """Runs argv once in a child; returns (seconds, peak RSS in KiB, returncode)."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([dt, rss, p.returncode, p.stderr.decode()[-400:]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, cwd] + argv, capture_output=True, text=True, check=True)
    dt, rss, rc, err = json.loads(out.stdout)
    # A spec whose ApplicationSet etcd could not store is refused (exit 2, nothing
    # written): the time is then the whole compile up to that verdict.
    refused = rc == 2 and "over etcd's default limit" in err
    if rc != 0 and not refused:
        raise SystemExit(f"{' '.join(argv)} failed ({rc}): {err}")
    return dt, rss, rc


def tree_size(path):
    files = 0
    size = 0
    for base, _, names in os.walk(path):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(base, n))
    return files, size


def ladder_row(n, work, runs):
    spec = os.path.join(work, f"spec-{n}.yaml")
    with open(spec, "w") as f:
        subprocess.run([GEN, str(n), str(SEED)], stdout=f, check=True)
    times, peaks = [], []
    out = os.path.join(work, f"out-{n}")
    for i in range(runs + 1):
        shutil.rmtree(out, ignore_errors=True)
        dt, rss, _ = measure([LADDER, "build", "-f", spec, "-o", out], work)
        if i > 0:  # the first run warms the page cache
            times.append(dt)
            peaks.append(rss)
    refused = not os.path.isdir(out)
    files, size = tree_size(out)
    # --check on an up-to-date tree: what a merge-request pipeline runs.
    check_times = [measure([LADDER, "build", "--check", "-f", spec, "-o", out], work)[0] for _ in range(runs)]
    return {
        "components": n,
        "applications": 3 * n,
        "spec_bytes": os.path.getsize(spec),
        "seconds": statistics.median(times),
        "check_seconds": statistics.median(check_times),
        "peak_mib": max(peaks) / 1024,
        "files": files,
        "output_bytes": size,
        "refused": refused,
    }


def kustomize_overlay(n, work):
    """A base Application per component and environment plus one patch each carrying its
    sync-wave annotation and labels: the Applications an app-of-apps root would hold."""
    spec = os.path.join(work, f"spec-{n}.yaml")
    # Phases from ladder itself, so both routes produce the same waves.
    plan = json.loads(subprocess.run([LADDER, "plan", "-f", spec, "--format", "json"], capture_output=True, check=True).stdout)
    phase = {}
    for env in plan["environments"]:
        for step in env["steps"]:
            for c in step["components"]:
                phase[(env["name"], c)] = step["phase"]
    d = os.path.join(work, f"kustomize-{n}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "apps"))
    os.makedirs(os.path.join(d, "patches"))
    resources, patches = [], []
    for (env, c), p in sorted(phase.items()):
        name = f"{c}-{env}"
        with open(os.path.join(d, "apps", f"{name}.yaml"), "w") as f:
            f.write(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                f"metadata:\n  name: {name}\n  namespace: argocd\n"
                "spec:\n  project: fleet\n"
                f"  source:\n    repoURL: https://git.example.com/platform/fleet.git\n    targetRevision: main\n    path: {c}/overlays/{env}\n"
                f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {c.split('-')[0]}-{env}\n"
            )
        with open(os.path.join(d, "patches", f"{name}.yaml"), "w") as f:
            f.write(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                f"metadata:\n  name: {name}\n  namespace: argocd\n"
                f"  annotations:\n    argocd.argoproj.io/sync-wave: \"{p}\"\n"
                f"  labels:\n    env: {env}\n    rollout-phase: \"{p}\"\n"
            )
        resources.append(f"  - apps/{name}.yaml\n")
        patches.append(f"  - path: patches/{name}.yaml\n")
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
        f.writelines(resources)
        f.write("patches:\n")
        f.writelines(patches)
    return d


def kustomize_seconds(n, work, runs, limit):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return None
    d = kustomize_overlay(n, work)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        try:
            subprocess.run([kubectl, "kustomize", d], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return float("inf")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 components only")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kustomize-limit", type=float, default=600, help="seconds before a kustomize run is cut off")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--example", "gen_spec"], cwd=ROOT, check=True)
    sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
    kubectl = shutil.which("kubectl")
    with tempfile.TemporaryDirectory(prefix="ladder-bench-") as work:
        rows = []
        for n in sizes:
            row = ladder_row(n, work, args.runs if n < 100000 else max(1, args.runs // 2))
            if n <= 10000:
                row["kustomize_seconds"] = kustomize_seconds(n, work, 3 if n < 10000 else 1, args.kustomize_limit)
            rows.append(row)
            print(f"measured {n} components", file=sys.stderr)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    version = subprocess.run([LADDER, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"kubectl: {subprocess.run([kubectl, 'version', '--client'], capture_output=True, text=True).stdout.split(chr(10))[0] if kubectl else 'not installed: the kustomize column is skipped'}\n")
    print("| components | Applications | spec | build | build --check | peak memory | files | output | time vs previous size | kubectl kustomize | ladder faster by |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    prev = None
    for r in rows:
        growth = f"{r['seconds'] / prev['seconds']:.1f}× for {r['components'] // prev['components']}× components" if prev else "–"
        k = r.get("kustomize_seconds")
        if k is None:
            kcol, ratio = ("skipped" if not kubectl else "–"), "–"
        elif k == float("inf"):
            kcol, ratio = f"> {args.kustomize_limit:.0f} s", f"> {args.kustomize_limit / r['seconds']:.0f}×"
        else:
            kcol, ratio = f"{k:.2f} s", f"{k / r['seconds']:.0f}×"
        files, output = (
            ("refused", "–") if r["refused"] else (str(r["files"]), f"{r['output_bytes'] / 1048576:.1f} MiB")
        )
        print(
            f"| {r['components']:,} | {r['applications']:,} | {r['spec_bytes'] / 1048576:.1f} MiB | {r['seconds']:.3f} s | {r['check_seconds']:.3f} s | "
            f"{r['peak_mib']:.0f} MiB | {files} | {output} | {growth} | {kcol} | {ratio} |"
        )
        prev = r


if __name__ == "__main__":
    main()
