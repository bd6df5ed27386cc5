#!/usr/bin/env python3
"""Benchmark for `ladder import` and `ladder compare`: wall time and peak memory on
synthetic existing trees of N components in three environments.

Run from the repository root (standard library only):

    python3 bench/import_compare.py                  # 1,000 and 5,000 components
    python3 bench/import_compare.py --sizes 10000 --runs 3

The tree is deterministic and shaped like a repository moving to ladder: per
environment a root app-of-apps (`bootstrap/root-ENV.yaml`) over `clusters/ENV/`, one
Application per component there at a hand-numbered wave (-2 to 3), a label, and every
tenth component multi-source with a `$values` ref. Each size is imported once to warm
the page cache, then each command runs `--runs` times in a fresh process (import into
a fresh folder with `--force`; compare of the tree against the imported spec's build);
time is the median, peak memory the process's maximum resident set.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LADDER = os.path.join(ROOT, "target", "release", "ladder")


def measure(argv, cwd):
    """Runs argv once in a child; returns (seconds, peak RSS in KiB, returncode)."""
    code = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([dt, rss, p.returncode]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, cwd] + argv, capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))

ENVS = ["dev", "staging", "prod"]
REPO = "https://git.example.com/platform.git"


def application(name, env, wave, multi):
    if multi:
        source = (
            "  sources:\n"
            f"    - repoURL: https://charts.example.com\n      chart: {name}\n      targetRevision: 1.0.0\n"
            f"      helm:\n        valueFiles: [$values/envs/{env}/{name}.yaml]\n"
            f"    - repoURL: {REPO}\n      targetRevision: main\n      ref: values\n"
        )
    else:
        source = f"  source:\n    repoURL: {REPO}\n    targetRevision: main\n    path: components/{name}/overlays/{env}\n"
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: {name}-{env}\n  namespace: argocd\n"
        f"  labels: {{team: team{len(name) % 7}}}\n"
        f"  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\n"
        "spec:\n  project: default\n" + source +
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
        "  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n"
        "    syncOptions: [CreateNamespace=true]\n"
    )


def write_tree(root, n):
    for env in ENVS:
        os.makedirs(os.path.join(root, "bootstrap"), exist_ok=True)
        with open(os.path.join(root, "bootstrap", f"root-{env}.yaml"), "w") as f:
            f.write(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
                f"  name: root-{env}\n  namespace: argocd\nspec:\n  project: default\n"
                f"  source: {{repoURL: {REPO}, targetRevision: main, path: clusters/{env}}}\n"
                "  destination: {server: https://kubernetes.default.svc, namespace: argocd}\n"
            )
        folder = os.path.join(root, "clusters", env)
        os.makedirs(folder, exist_ok=True)
        for i in range(n):
            name = f"c{i:05d}"
            with open(os.path.join(folder, f"{name}.yaml"), "w") as f:
                f.write(application(name, env, i % 6 - 2, i % 10 == 0))


def median(argv, cwd, runs, fresh=None):
    times, peaks = [], []
    for _ in range(runs):
        if fresh:
            fresh()
        dt, rss, rc = measure(argv, cwd)
        # compare exits 1 where the trees differ: the roots ladder replaces.
        if rc not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} exited {rc}")
        times.append(dt)
        peaks.append(rss)
    return statistics.median(times), max(peaks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print("| components | Applications | import | import peak | compare | compare peak |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as work:
            write_tree(os.path.join(work, "tree"), n)
            importing = [LADDER, "import", "tree", "-o", "spec", "--name", "platform", "--force",
                         "--repository", f"{REPO}=tree"]
            subprocess.run(importing, cwd=work, check=True, stdout=subprocess.DEVNULL)
            imported = median(importing, work, args.runs)
            subprocess.run([LADDER, "build", "-f", "spec", "-o", "built"], cwd=work, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            compared = median([LADDER, "compare", "tree", "built"], work, args.runs)
            apps = n * len(ENVS)
            print(f"| {n:,} | {apps:,} | {imported[0]:.3f} s | {imported[1] // 1024} MiB "
                  f"| {compared[0]:.3f} s | {compared[1] // 1024} MiB |")


if __name__ == "__main__":
    main()
