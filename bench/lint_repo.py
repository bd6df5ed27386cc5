#!/usr/bin/env python3
"""Repository-scale benchmark for `ladder lint`: wall time and peak memory on a
synthetic GitOps repository of 3,000 files, 1,200 of them Argo CD manifests.

Run from the repository root (standard library only):

    python3 bench/lint_repo.py             # 3,000 files, five runs
    python3 bench/lint_repo.py --files 30000 --runs 3

The tree is deterministic and shaped like the repositories lint meets: per cluster an
app-of-apps folder of Applications ordered by sync-wave (multi-source, `$values` refs),
ApplicationSets with list generators and RollingSync steps, an argo-cd umbrella chart's
values with the health check and progressive syncs, a kustomize install with patches,
and around them what lint must skip or read past: Helm charts with templates and
values, kustomize bases and overlays, plain Deployments, Services and ConfigMaps, and a
few binary files. Each run is a fresh `ladder lint --format json` process measured by a
child Python process with getrusage, so peak memory is lint's own; time is the median.
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet import measure  # noqa: E402


def application(name, wave, values_ref):
    sources = (
        "  sources:\n"
        f"    - repoURL: https://charts.example.com\n      chart: {name}\n      targetRevision: 1.0.0\n"
        f"      helm:\n        valueFiles: [$values/values/{name}.yaml]\n"
        "    - repoURL: https://git.example.com/platform.git\n      targetRevision: main\n      ref: values\n"
        if values_ref
        else f"  source:\n    repoURL: https://git.example.com/platform.git\n    targetRevision: main\n    path: apps/{name}\n"
    )
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
        f"  name: {name}\n  namespace: argocd\n"
        f"  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\n"
        "spec:\n  project: default\n" + sources +
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
        "  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n"
    )


def appset(name, envs):
    elements = "".join(f"          - {{env: {e}}}\n" for e in envs)
    steps = "".join(
        f"        - matchExpressions: [{{key: env, operator: In, values: [{e}]}}]\n" for e in envs
    )
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n"
        f"  name: {name}\n  namespace: argocd\nspec:\n  generators:\n    - list:\n        elements:\n"
        + elements
        + "  strategy:\n    type: RollingSync\n    rollingSync:\n      steps:\n"
        + steps
        + "  template:\n    metadata:\n"
        f"      name: '{name}-{{{{env}}}}'\n      labels: {{env: '{{{{env}}}}'}}\n"
        "    spec:\n      project: default\n"
        f"      source: {{repoURL: https://git.example.com/{name}.git, targetRevision: main, path: 'overlays/{{{{env}}}}'}}\n"
        f"      destination: {{server: https://kubernetes.default.svc, namespace: '{name}-{{{{env}}}}'}}\n"
    )


def deployment(name):
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {name}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: {name}}}}}\n"
        f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
        f"    spec:\n      containers:\n        - name: {name}\n          image: registry.example.com/{name}:1.0.0\n"
        "          ports: [{containerPort: 8080}]\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {name}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
    )


def template(name):
    return (
        "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {{{{ include \"{name}.fullname\" . }}}}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n{{- end }}\n"
    )


def write(root, path, text, counts, kind):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(full, mode) as f:
        f.write(text)
    counts[kind] = counts.get(kind, 0) + 1


def generate(root, files):
    """Writes the tree; returns the count of files by kind. 40% Argo CD manifests."""
    counts = {}
    argo_target = files * 2 // 5
    per_cluster = 100
    cluster = 0
    while counts.get("argo", 0) < argo_target:
        c = f"clusters/c{cluster:03}"
        write(root, f"{c}/root.yaml", application(f"root-c{cluster}", 0, False), counts, "argo")
        for i in range(per_cluster - 4):
            if counts["argo"] >= argo_target:
                break
            write(root, f"{c}/apps/app{i:03}.yaml",
                  application(f"c{cluster}-app{i:03}", i % 6 - 1, i % 3 == 0), counts, "argo")
        for i in range(2):
            write(root, f"{c}/appsets/set{i}.yaml",
                  appset(f"c{cluster}-set{i}", ["dev", "staging", "prod"]), counts, "argo")
        write(root, f"{c}/argocd/values.yaml",
              "argo-cd:\n  configs:\n    cm:\n      resource.customizations.health.argoproj.io_Application: |\n"
              "        return {status = 'Healthy'}\n    params:\n"
              "      applicationsetcontroller.enable.progressive.syncs: true\n", counts, "values")
        write(root, f"{c}/argocd/kustomization.yaml",
              "resources:\n  - https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml\n"
              "patches:\n  - path: argocd-cm.yaml\n", counts, "kustomize")
        cluster += 1
    n = 0
    while sum(counts.values()) < files:
        kind = n % 5
        name = f"svc{n:05}"
        if kind == 0:
            write(root, f"charts/{name}/templates/deployment.yaml", template(name), counts, "template")
        elif kind == 1:
            write(root, f"charts/{name}/values.yaml", "enabled: true\nreplicas: 2\n", counts, "values")
        elif kind == 2:
            write(root, f"base/{name}/kustomization.yaml", "resources: [deployment.yaml]\n", counts, "kustomize")
        elif kind == 3:
            write(root, f"base/{name}/deployment.yaml", deployment(name), counts, "plain")
        elif n % 50 == 4:
            write(root, f"docs/{name}.yaml", bytes(range(256)) * 4, counts, "binary")
        else:
            write(root, f"config/{name}.yaml",
                  f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{level: info}}\n",
                  counts, "plain")
        n += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as work:
        repo = os.path.join(work, "repo")
        counts = generate(repo, args.files)
        argv = [LADDER, "lint", "--format", "json", "repo"]
        # The report, once: what lint read, and a check that it linted everything.
        out = subprocess.run(argv, cwd=work, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            raise SystemExit(f"lint exited {out.returncode}: {out.stderr[-400:]}")
        report = json.loads(out.stdout)
        measure(argv, work)  # warm the page cache
        runs = []
        for _ in range(args.runs):
            dt, rss, rc = measure(argv, work)
            if rc not in (0, 1):
                raise SystemExit(f"lint exited {rc}")
            runs.append((dt, rss))
        total = sum(counts.values())
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
        print(f"files: {total} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
        print(
            f"lint read {report['manifests']} documents of Argo CD manifests, skipped "
            f"{len(report['skipped'])} files, read {report['settingsFiles']} for settings; "
            f"{report['errors']} errors, {report['warnings']} warnings, {report['notes']} notes"
        )
        times = [t for t, _ in runs]
        print(
            f"ladder lint: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {args.runs} runs), "
            f"peak RSS {max(r for _, r in runs) / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
