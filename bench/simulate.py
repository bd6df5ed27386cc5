#!/usr/bin/env python3
"""Benchmark for `ladder simulate`: how long replaying a rollout of a large emitted tree
takes, split into reading the tree's YAML and simulating the rollout, and end to end.

Run from the repository root (standard library only):

    python3 bench/simulate.py                     # 1,000 and 10,000 components
    python3 bench/simulate.py --sizes 10000 --runs 5

Specs come from `cargo run --release --example gen_spec -- N SEED` (deterministic),
three environments each, so N components are 3N Applications. Two trees per size:

- app-of-apps: the spec with `rollout.strategy: appOfApps`, one root over one
  Application file per component and environment;
- RollingSync: one ApplicationSet cannot hold 30,000 Applications (etcd's 1.5 MiB
  object limit: ladder refuses it and says to split the spec), so, as its message
  suggests, the components are split over specs of at most 1,000 with
  `rollout.environments: independent` (an ApplicationSet per environment), built side
  by side into one tree.

`bench_simulate` (examples/bench_simulate.rs) times `simulate::read::read` and
`simulate::run` in one process, the median of `--runs`; the end-to-end column is
`ladder simulate --tree DIR` in a fresh process (median, after one warm-up run), and
`ladder simulate -f SPEC` compiles the spec in memory first.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
LADDER = os.path.join(RELEASE, "ladder")
GEN = os.path.join(RELEASE, "examples", "gen_spec")
BENCH = os.path.join(RELEASE, "examples", "bench_simulate")
SHARD = 1000
NAME = re.compile(r"\b(foundation|data|platform|apps|observability)-([a-z]+)-(\d{6})\b")


def wall(argv, runs):
    """Median wall time of argv over `runs` fresh processes, after one warm-up."""
    times = []
    for i in range(runs + 1):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def spec_text(n, seed, strategy, prefix=""):
    text = subprocess.run([GEN, str(n), str(seed)], capture_output=True, text=True, check=True).stdout
    if strategy == "appOfApps":
        text = text.replace('rollout: {maxUpdate: "25%"}', "rollout: {strategy: appOfApps}")
    else:
        text = text.replace('rollout: {maxUpdate: "25%"}', 'rollout: {maxUpdate: "25%", environments: independent}')
    if prefix:
        text = NAME.sub(lambda m: f"{prefix}-{m.group(0)}", text)
        text = text.replace("name: fleet\n", f"name: fleet-{prefix}\n", 1)
    return text


def build(spec_path, out):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([LADDER, "build", "-f", spec_path, "-o", out], stdout=subprocess.DEVNULL, check=True)


def row(n, work, runs, strategy):
    tree = os.path.join(work, f"tree-{strategy}-{n}")
    shutil.rmtree(tree, ignore_errors=True)
    specs, outs = [], []
    if strategy == "appOfApps":
        path = os.path.join(work, f"spec-{strategy}-{n}.yaml")
        with open(path, "w") as f:
            f.write(spec_text(n, 1, strategy))
        build(path, tree)
        specs.append(path)
        outs.append(tree)
    else:
        shards = max(1, -(-n // SHARD))
        for k in range(shards):
            size = n // shards + (1 if k < n % shards else 0)
            path = os.path.join(work, f"spec-{strategy}-{n}-s{k}.yaml")
            with open(path, "w") as f:
                f.write(spec_text(size, k + 1, strategy, prefix=f"s{k}"))
            build(path, os.path.join(tree, f"s{k}"))
            specs.append(path)
            outs.append(os.path.join(tree, f"s{k}"))
    parts = json.loads(subprocess.run([BENCH, tree, str(runs)], capture_output=True, text=True, check=True).stdout)
    result = {
        "strategy": strategy,
        "components": n,
        "specs": len(specs),
        **parts,
        "treeSeconds": wall([LADDER, "simulate", "--tree", tree], runs),
    }
    if len(specs) == 1:
        result["specSeconds"] = wall([LADDER, "simulate", "-f", specs[0]], runs)
        result["buildSeconds"] = wall([LADDER, "build", "--check", "-f", specs[0], "-o", outs[0]], runs)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "ladder",
                    "--example", "gen_spec", "--example", "bench_simulate"], cwd=ROOT, check=True)
    print(f"# {platform.platform()}, {os.cpu_count()} cores", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            for strategy in ["appOfApps", "rollingSync"]:
                r = row(n, work, args.runs, strategy)
                rows.append(r)
                print(json.dumps(r), file=sys.stderr)
    print("| tree | components | Applications | files | YAML | read | simulate | `simulate --tree` | `simulate -f` | `build --check` |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        kind = "app-of-apps" if r["strategy"] == "appOfApps" else f"RollingSync, {r['specs']} ApplicationSets"
        spec = f"{r['specSeconds']:.3f} s" if "specSeconds" in r else "–"
        check = f"{r['buildSeconds']:.3f} s" if "buildSeconds" in r else "–"
        print(
            f"| {kind} | {r['components']:,} | {r['applications']:,} | {r['files']:,} | "
            f"{r['bytes'] / 2**20:.1f} MiB | {r['readSeconds']:.3f} s | {r['simulateSeconds']:.3f} s | "
            f"{r['treeSeconds']:.3f} s | {spec} | {check} |"
        )


if __name__ == "__main__":
    main()
