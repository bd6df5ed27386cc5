//! Regressions from an adversarial review: each test is named after what broke, and
//! fails on the code before its fix. Output folders with mounts and look-alike staging
//! folders, specs sharing a folder, promote and new-env writing outside the spec's folder
//! or through links, concurrent builds, and failed writes in place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{ladder, read_dir_files};

const SPEC: &str = "name: shop
output: {path: out}
defaults:
  source: {repoURL: https://example.com/shop.git, targetRevision: REV}
  namespace: shop
environments:
  - name: dev
components:
  - name: api
    source: {path: api}
";

fn spec(revision: &str) -> String {
    SPEC.replace("REV", revision)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn build_ok(dir: &Path, args: &[&str]) {
    let out = ladder(dir, args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Runs `script` with `sh` in a new mount namespace (so its mounts vanish with it), with
/// `$LADDER` set; `None`, with the reason printed, where namespaces are not allowed.
#[cfg(target_os = "linux")]
fn in_mount_namespace(dir: &Path, script: &str) -> Option<Output> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut args = vec!["--mount", "--propagation", "private"];
    if !root {
        args.splice(0..0, ["--user", "--map-root-user"]);
    }
    let probe = Command::new("unshare").args(&args).arg("true").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: unshare cannot make a mount namespace here");
        return None;
    }
    Some(
        Command::new("unshare")
            .args(&args)
            .args(["sh", "-euc", script])
            .env("LADDER", env!("CARGO_BIN_EXE_ladder"))
            .current_dir(dir)
            .output()
            .unwrap(),
    )
}

/// Regression: a mount inside the output folder was swapped out with the old tree and
/// removed recursively, deleting the mounted file system's files.
#[cfg(target_os = "linux")]
#[test]
fn a_mount_inside_the_output_folder_is_refused_and_keeps_its_files() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    build_ok(dir, &["build"]);
    std::fs::write(dir.join("ladder.yaml"), spec("v2")).unwrap();
    let before = read_dir_files(&dir.join("out"));
    // A bind mount of a folder of the same file system (same st_dev), a tmpfs, and a
    // file bind-mounted over a file: each must be refused, its files intact.
    let script = r#"
mkdir victim; echo precious > victim/data.txt; echo precious > victim.txt
for round in bind tmpfs file; do
  case $round in
    bind) mkdir out/bind; mount --bind victim out/bind ;;
    tmpfs) mkdir out/tmp; mount -t tmpfs none out/tmp; echo cache > out/tmp/cache.txt ;;
    file) echo notes > out/NOTES.md; mount --bind victim.txt out/NOTES.md ;;
  esac
  set +e; "$LADDER" build 2> err.txt; code=$?; set -e
  echo "$round exit $code: $(cat err.txt)"
  cat victim/data.txt victim.txt
  [ "$round" != tmpfs ] || cat out/tmp/cache.txt
  case $round in bind) umount out/bind; rmdir out/bind ;; tmpfs) umount out/tmp; rmdir out/tmp ;; file) umount out/NOTES.md; rm out/NOTES.md ;; esac
done
ls -a
"#;
    let Some(out) = in_mount_namespace(dir, script) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    for round in ["bind", "tmpfs", "file"] {
        let line = text.lines().find(|l| l.starts_with(round)).unwrap();
        assert!(
            line.starts_with(&format!("{round} exit 2: error: the mount point")),
            "{line}"
        );
    }
    assert_eq!(text.matches("precious").count(), 6, "{text}");
    assert!(text.contains("cache"), "{text}");
    assert!(
        !text.contains(".out.ladder-"),
        "a staging folder was left: {text}"
    );
    assert_eq!(
        read_dir_files(&dir.join("out")),
        before,
        "a refused build wrote"
    );
}

/// Regression: anything beside the output folder whose name started like ladder's
/// staging folders (`.out.ladder-…`) was deleted as a leftover, another spec's output
/// folder included.
#[cfg(unix)]
#[test]
fn a_folder_named_like_the_staging_folder_is_kept() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    for name in [".out.ladder-backup", ".out.ladder-Ab12Cd"] {
        std::fs::create_dir(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("keep.txt"), "mine").unwrap();
    }
    std::os::unix::fs::symlink(dir.join(".out.ladder-backup"), dir.join(".out.ladder-link"))
        .unwrap();
    // Another spec whose output folder has such a name.
    std::fs::write(
        dir.join("prod.yaml"),
        spec("v1").replace("output: {path: out}", "output: {path: .out.ladder-prod}"),
    )
    .unwrap();
    build_ok(dir, &["build", "-f", "prod.yaml"]);
    let theirs = read_dir_files(&dir.join(".out.ladder-prod"));
    assert!(!theirs.is_empty());
    for revision in ["v1", "v2", "v2"] {
        std::fs::write(dir.join("ladder.yaml"), spec(revision)).unwrap();
        build_ok(dir, &["build"]);
    }
    for name in [
        ".out.ladder-backup",
        ".out.ladder-Ab12Cd",
        ".out.ladder-link",
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join(name).join("keep.txt")).unwrap(),
            "mine",
            "{name}"
        );
    }
    assert_eq!(read_dir_files(&dir.join(".out.ladder-prod")), theirs);
}

/// Regression: the header was cut at the first `". "`, so two specs `team. a` and
/// `team. b` sharing an output folder read as the same spec, and building one deleted
/// the other's files.
#[test]
fn specs_whose_paths_contain_a_dot_and_a_space_keep_their_own_files() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    for (team, env) in [("team. a", "dev"), ("team. b", "prod")] {
        std::fs::create_dir(dir.join(team)).unwrap();
        let text = spec("v1")
            .replace("  - name: dev", &format!("  - name: {env}"))
            .replace(
                "name: shop\n",
                "name: shop\nrollout: {environments: independent}\n",
            );
        std::fs::write(dir.join(team).join("ladder.yaml"), text).unwrap();
    }
    build_ok(dir, &["build", "-f", "team. b/ladder.yaml", "-o", "shared"]);
    let theirs: Vec<String> = read_dir_files(&dir.join("shared")).into_keys().collect();
    build_ok(dir, &["build", "-f", "team. a/ladder.yaml", "-o", "shared"]);
    let now = read_dir_files(&dir.join("shared"));
    for file in &theirs {
        assert!(now.contains_key(file), "{file} of team. b was deleted");
    }
    for team in ["team. a", "team. b"] {
        let check = ladder(
            dir,
            &[
                "build",
                "--check",
                "-f",
                &format!("{team}/ladder.yaml"),
                "-o",
                "shared",
            ],
        );
        assert_eq!(check.status.code(), Some(0), "{team}: {}", stderr(&check));
    }
}

/// A spec with version files for `qa` and `prod` at `versions` (a `versions.path`).
fn promotable(dir: &Path, versions: &str) {
    let text = format!(
        "name: shop
output: {{path: out}}
defaults:
  source: {{repoURL: https://charts.example.com, targetRevision: main}}
  namespace: shop
versions: {{path: \"{versions}\"}}
environments: [{{name: qa}}, {{name: prod}}]
components:
  - name: api
    version: api
    source: {{repoURL: https://charts.example.com, chart: api}}
"
    );
    std::fs::write(dir.join("ladder.yaml"), text).unwrap();
}

/// Regression: promote read and wrote any path `versions.path` named (absolute, `..`,
/// through a linked folder), so a spec from an unreviewed branch could rewrite files
/// outside the repository.
#[cfg(unix)]
#[test]
fn promote_never_writes_outside_the_spec_folder_or_through_a_link() {
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    for env in ["qa", "prod"] {
        let pin = if env == "qa" { "2.0.0" } else { "1.0.0" };
        std::fs::write(
            outside.path().join(format!("{env}.yaml")),
            format!("api:\n  chartVersion: \"{pin}\"\n"),
        )
        .unwrap();
    }
    let before = read_dir_files(outside.path());
    std::os::unix::fs::symlink(outside.path(), dir.join("linked")).unwrap();
    let absolute = format!("{}/{{{{ env }}}}.yaml", outside.path().display());
    let up = format!(
        "../../{}/{{{{ env }}}}.yaml",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    for (versions, expected) in [
        (absolute.as_str(), "leaves the spec's folder"),
        (up.as_str(), "leaves the spec's folder"),
        ("linked/{{ env }}.yaml", "is a symbolic link"),
    ] {
        promotable(&dir, versions);
        let out = ladder(&dir, &["promote", "--from", "qa", "--to", "prod"]);
        assert_eq!(out.status.code(), Some(2), "{versions}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{versions}: {}",
            stderr(&out)
        );
        assert_eq!(
            read_dir_files(outside.path()),
            before,
            "{versions}: written outside"
        );
    }
}

/// Regression: promote replaced a linked version file with a regular copy (the shared
/// target stayed stale while it reported success) and reset the file's mode to 0644.
#[cfg(unix)]
#[test]
fn promote_refuses_a_linked_version_file_and_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir(dir.join("versions")).unwrap();
    std::fs::write(
        dir.join("versions/qa.yaml"),
        "api:\n  chartVersion: \"2.0.0\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("versions/shared.yaml"),
        "api:\n  chartVersion: \"1.0.0\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        dir.join("versions/shared.yaml"),
        PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("shared.yaml", dir.join("versions/prod.yaml")).unwrap();
    promotable(dir, "versions/{{ env }}.yaml");
    let out = ladder(dir, &["promote", "--from", "qa", "--to", "prod"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("versions/prod.yaml: it is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::symlink_metadata(dir.join("versions/prod.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // A regular 0600 file is promoted and stays 0600.
    std::fs::remove_file(dir.join("versions/prod.yaml")).unwrap();
    std::fs::rename(
        dir.join("versions/shared.yaml"),
        dir.join("versions/prod.yaml"),
    )
    .unwrap();
    let out = ladder(dir, &["promote", "--from", "qa", "--to", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let prod = dir.join("versions/prod.yaml");
    assert!(
        std::fs::read_to_string(&prod)
            .unwrap()
            .contains("\"2.0.0\"")
    );
    assert_eq!(
        std::fs::metadata(&prod).unwrap().permissions().mode() & 0o7777,
        0o600
    );
    // `./versions/…` names the same files (as build reads them): not "outside".
    promotable(dir, "./versions/{{ env }}.yaml");
    let out = ladder(dir, &["promote", "--from", "qa", "--to", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to promote"));
}

/// Regression: new-env wrote through a linked folder, created a dangling link's target
/// outside the repository, and wrote under an absolute `source.path` that build refuses.
#[cfg(unix)]
#[test]
fn new_env_never_writes_through_a_symbolic_link() {
    use std::os::unix::fs::symlink;
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let text = "name: shop
output: {path: out}
defaults:
  source: {repoURL: https://example.com/shop.git, targetRevision: main}
  namespace: shop
versions: {path: \"versions/{{ env }}.yaml\"}
environments: [{name: dev}]
components:
  - name: api
    source: {path: \"overlays/{{ env }}/api\"}
";
    std::fs::write(dir.join("ladder.yaml"), text).unwrap();
    std::fs::create_dir_all(dir.join("overlays/dev/api")).unwrap();
    std::fs::write(
        dir.join("overlays/dev/api/kustomization.yaml"),
        "resources: []\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("versions")).unwrap();
    std::fs::write(dir.join("versions/dev.yaml"), "{}\n").unwrap();
    // The new environment's folder links outside; its version file is a dangling link.
    symlink(outside.path(), dir.join("overlays/staging")).unwrap();
    symlink(
        outside.path().join("created.yaml"),
        dir.join("versions/staging.yaml"),
    )
    .unwrap();
    let before = listing(dir);
    let out = ladder(dir, &["new-env", "staging", "--from", "dev"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "written outside"
    );
    assert_eq!(listing(dir), before);
}

/// Every path under `dir` with its kind, never following a link.
fn listing(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path.clone());
                out.push((path, "folder"));
            } else if kind.is_symlink() {
                out.push((path, "link"));
            } else {
                out.push((path, "file"));
            }
        }
    }
    out.sort();
    out
}

/// The version of a big app-of-apps spec where only `what` carries `revision`, so the
/// two versions change disjoint files.
fn two_part_spec(what: &str, revision: &str) -> String {
    let (root, children) = if what == "root" {
        (revision, "r1")
    } else {
        ("r1", revision)
    };
    let mut text = format!(
        "name: shop
output: {{path: out, targetRevision: {root}}}
rollout: {{strategy: appOfApps}}
defaults:
  source: {{repoURL: https://example.com/shop.git, targetRevision: {children}}}
  namespace: shop
environments: [{{name: dev}}]
components:
"
    );
    for i in 0..50 {
        let _ = writeln!(text, "  - {{name: c{i:02}, source: {{path: c{i:02}}}}}");
    }
    text
}

/// How many processes wait for a flock on the file with inode `ino` (`/proc/locks`).
#[cfg(target_os = "linux")]
fn lock_waiters(ino: u64) -> usize {
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    locks
        .lines()
        .filter(|l| l.contains("->") && l.contains("FLOCK") && l.contains(&format!(":{ino} ")))
        .count()
}

/// Regression: two builds of two versions of a spec, started together, worked out their
/// changes before taking the lock, so each applied changes computed against the old
/// tree: the folder held the root of one and the Applications of the other, and both
/// reported success.
#[cfg(target_os = "linux")]
#[test]
fn concurrent_builds_of_two_versions_of_a_spec_leave_one_whole_tree() {
    use std::os::unix::fs::MetadataExt as _;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let spec_path = dir.join("ladder.yaml");
    // The trees each version gives alone.
    let mut whole = Vec::new();
    for (what, rev) in [("root", "r2"), ("children", "r3")] {
        std::fs::write(&spec_path, two_part_spec(what, rev)).unwrap();
        build_ok(&dir, &["build", "-o", "t"]);
        whole.push(read_dir_files(&dir.join("t")));
        std::fs::remove_dir_all(dir.join("t")).unwrap();
    }
    std::fs::write(&spec_path, two_part_spec("root", "r1")).unwrap();
    build_ok(&dir, &["build"]);
    // Hold ladder's lock (on the output's parent folder) until both builds wait for it.
    let folder = std::fs::File::open(&dir).unwrap();
    rustix::fs::flock(&folder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let ino = std::fs::metadata(&dir).unwrap().ino();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_ladder"))
            .args(["build", "-o", "out"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let wait_for = |n: usize| {
        let started = std::time::Instant::now();
        while lock_waiters(ino) < n {
            assert!(
                started.elapsed().as_secs() < 60,
                "no build waited for the lock"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    std::fs::write(&spec_path, two_part_spec("root", "r2")).unwrap();
    let a = spawn();
    wait_for(1);
    let staged = dir.join("next.yaml");
    std::fs::write(&staged, two_part_spec("children", "r3")).unwrap();
    std::fs::rename(&staged, &spec_path).unwrap();
    let b = spawn();
    wait_for(2);
    drop(folder);
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let now = read_dir_files(&dir.join("out"));
    assert!(
        whole.contains(&now),
        "the output folder mixes the two versions of the spec"
    );
}

/// Regression: where the output folder cannot be swapped (here: the working folder is
/// inside it), files were replaced one by one, so a write that failed halfway left new
/// files beside old ones.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_old_tree_when_files_are_replaced_one_by_one() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    build_ok(dir, &["build"]);
    // v2 changes every file and adds one too big for the file-size limit below.
    let big = format!(
        "{}  - name: zzz\n    source: {{path: \"{}\"}}\n",
        spec("v2"),
        "p/".repeat(10_000)
    );
    std::fs::write(dir.join("ladder.yaml"), &big).unwrap();
    let before = read_dir_files(&dir.join("out"));
    let out = Command::new("sh")
        .args([
            "-c",
            "ulimit -f 16; trap '' XFSZ; exec \"$0\" build -f ../ladder.yaml",
        ])
        .arg(env!("CARGO_BIN_EXE_ladder"))
        .current_dir(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        read_dir_files(&dir.join("out")),
        before,
        "a failed build changed files"
    );
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".ladder-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Without the limit, the same build goes through in place.
    let out = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(["build", "-f", "../ladder.yaml"])
        .current_dir(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let now = read_dir_files(&dir.join("out"));
    assert!(
        now.values()
            .any(|bytes| String::from_utf8_lossy(bytes).contains("zzz"))
    );
}

/// Regression: on a full disk, an output folder that is a mount point (replaced file
/// by file) was left with some new files beside the old ones.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_leaves_the_old_tree_when_the_output_folder_is_a_mount_point() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let many = |rev: &str, n: usize| {
        let mut text = spec(rev);
        for i in 0..n {
            let _ = writeln!(text, "  - {{name: c{i:03}, source: {{path: c{i:03}}}}}");
        }
        text.replace(
            "name: shop\n",
            "name: shop\nrollout: {strategy: appOfApps}\n",
        )
    };
    std::fs::write(dir.join("v1.yaml"), many("v1", 200)).unwrap();
    std::fs::write(dir.join("v2.yaml"), many("v2", 230)).unwrap();
    let script = r#"
mkdir out; mount -t tmpfs -o size=4m none out
cp v1.yaml ladder.yaml; "$LADDER" build 2>/dev/null
before=$(cd out && find . -type f | sort | xargs sha256sum | sha256sum)
used=$(df -k out | awk 'NR==2 {print $3}')
mount -o remount,size=$((used + 40))k out
cp v2.yaml ladder.yaml
set +e; "$LADDER" build 2> err.txt; code=$?; set -e
after=$(cd out && find . -type f | sort | xargs sha256sum | sha256sum)
echo "exit $code"; cat err.txt
[ "$before" = "$after" ] && echo "tree unchanged"
ls -a out | grep -c ladder-staging || true
mount -o remount,size=8m out
"$LADDER" build 2>&1
"#;
    let Some(out) = in_mount_namespace(dir, script) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("exit 2"), "{text}");
    assert!(text.contains("not enough space in"), "{text}");
    assert!(text.contains("tree unchanged"), "{text}");
    assert!(text.contains("\n0\n"), "a staging folder was left: {text}");
    assert!(text.contains("wrote "), "{text}");
}

/// Regression: a version file that is a symbolic link was followed wherever it pointed,
/// so its values (a secret, say) reached the output, and one error message printed a
/// value read from it.
#[cfg(unix)]
#[test]
fn a_version_file_linked_outside_the_spec_folder_is_not_read() {
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "api:\n  chartVersion: \"s3cr3t\"\n",
    )
    .unwrap();
    promotable(dir, "versions/{{ env }}.yaml");
    std::fs::create_dir(dir.join("versions")).unwrap();
    std::fs::write(
        dir.join("versions/qa.yaml"),
        "api:\n  chartVersion: \"1.0.0\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.join("versions/prod.yaml"),
    )
    .unwrap();
    let out = ladder(dir, &["build"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`versions/prod.yaml` goes through the symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("s3cr3t"));
    assert!(!dir.join("out").exists());
}

/// The overlay kustomizations lint reads to see whether they include ladder's waves
/// Component are read like version files: a kustomization or an overlay folder that is
/// a symbolic link is not read (and not checked), so nothing from outside the spec's
/// folder reaches a message.
#[cfg(unix)]
#[test]
fn an_overlay_kustomization_behind_a_link_is_not_read() {
    use std::os::unix::fs::symlink;
    let scratch = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(
        dir.join("ladder.yaml"),
        r#"name: shop
defaults:
  source: {repoURL: https://github.com/example/shop.git, targetRevision: main}
output: {path: argocd}
environments: [{name: dev}, {name: prod}]
components:
  - name: shop
    source: {path: "overlays/{{ env }}"}
    namespace: shop
    resources:
      - name: db
        match: [{kind: StatefulSet}]
"#,
    )
    .unwrap();
    std::fs::write(
        outside.path().join("kustomization.yaml"),
        "resources: [s3cr3t.yaml]
",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("overlays/dev")).unwrap();
    symlink(
        outside.path().join("kustomization.yaml"),
        dir.join("overlays/dev/kustomization.yaml"),
    )
    .unwrap();
    symlink(outside.path(), dir.join("overlays/prod")).unwrap();
    let out = ladder(dir, &["lint"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
    assert!(!stdout.contains("waves-component-not-included"), "{stdout}");
    assert!(!stdout.contains("s3cr3t"), "{stdout}");
}

/// Regression: a fleet member folder that is a symbolic link was dropped without a
/// word, and the next build deleted that member's Applications.
#[cfg(unix)]
#[test]
fn a_fleet_member_folder_that_is_a_symbolic_link_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let text = "name: dlt
output: {path: out}
defaults:
  source: {repoURL: https://example.com/dlt.git, targetRevision: main}
  namespace: dlt
fleets:
  nodes: {folders: \"envs/{{ env }}/nodes\"}
environments: [{name: qa}]
components:
  - {name: vault, fleet: nodes, source: {path: \"vault/{{ member }}\"}}
";
    std::fs::write(dir.join("ladder.yaml"), text).unwrap();
    for node in ["node-a", "node-b"] {
        std::fs::create_dir_all(dir.join("envs/qa/nodes").join(node)).unwrap();
    }
    build_ok(dir, &["build"]);
    let before = read_dir_files(&dir.join("out"));
    std::fs::remove_dir(dir.join("envs/qa/nodes/node-b")).unwrap();
    std::os::unix::fs::symlink("node-a", dir.join("envs/qa/nodes/node-b")).unwrap();
    let out = ladder(dir, &["build"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`envs/qa/nodes/node-b` goes through the symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_dir_files(&dir.join("out")), before);
}

/// Regression: `--templates` followed symbolic links, so a template linked to a secret
/// elsewhere on the machine landed in the output and in `--check`'s diff.
#[cfg(unix)]
#[test]
fn template_overrides_that_are_symbolic_links_are_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    std::fs::write(dir.join("secret.j2"), "SECRET-TEMPLATE\n").unwrap();
    std::fs::create_dir(dir.join("tpl")).unwrap();
    std::os::unix::fs::symlink("../secret.j2", dir.join("tpl/root.yaml.j2")).unwrap();
    for args in [
        &["build", "--templates", "tpl"][..],
        &["build", "--templates", "tpl", "--check"][..],
    ] {
        let out = ladder(dir, args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("root.yaml.j2 is a symbolic link"),
            "{}",
            stderr(&out)
        );
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!all.contains("SECRET-TEMPLATE"));
        assert!(!dir.join("out").exists());
    }
}

/// The summary line of `ladder lint` (its last line of output).
fn lint_summary(dir: &Path, target: &Path) -> String {
    let out = ladder(
        dir,
        &["lint", target.to_str().unwrap(), "--argocd-version", "3.2"],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().last().unwrap_or_default().to_owned()
}

/// Regression: a folder with a symbolic link to itself made lint, validate and waves
/// read every file 41 times (the kernel's link limit), and two such links made them
/// loop until memory ran out.
#[cfg(unix)]
#[test]
fn folders_that_link_to_themselves_are_read_once() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("m");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(
        crate::support::root().join("tests/cli/lint-automated-under-rolling-sync/appset.yaml"),
        dir.join("appset.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(".", dir.join("l1")).unwrap();
    let summary = lint_summary(scratch.path(), &dir);
    assert!(summary.contains("in 0 specs and 1 manifest"), "{summary}");
    // Two links: 2^40 paths before; now still one file.
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("l2")).unwrap();
    let summary = lint_summary(scratch.path(), &dir);
    assert!(summary.contains("in 0 specs and 1 manifest"), "{summary}");
}

/// A folder bind-mounted inside itself is read once (by device and inode).
#[cfg(target_os = "linux")]
#[test]
fn a_folder_mounted_inside_itself_is_read_once() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir(dir.join("m")).unwrap();
    std::fs::copy(
        crate::support::root().join("tests/cli/lint-automated-under-rolling-sync/appset.yaml"),
        dir.join("m/appset.yaml"),
    )
    .unwrap();
    let script =
        r#"mkdir m/again; mount --bind m m/again; "$LADDER" lint m --argocd-version 3.2 | tail -1"#;
    let Some(out) = in_mount_namespace(dir, script) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("in 0 specs and 1 manifest"),
        "{text}{}",
        stderr(&out)
    );
}

/// Regression: on overlayfs whose lower layer is another file system (a container
/// image), files report the lower layer's device, and every file of the output folder
/// was refused as a mount point.
#[cfg(target_os = "linux")]
#[test]
fn an_output_folder_on_overlayfs_is_not_full_of_mount_points() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("v1.yaml"), spec("v1")).unwrap();
    std::fs::write(dir.join("v2.yaml"), spec("v2")).unwrap();
    let script = r#"
mkdir lower ovl; mount -t tmpfs none lower; mount -t tmpfs none ovl
mkdir -p lower/repo ovl/upper ovl/work ovl/merged
cp v1.yaml lower/repo/ladder.yaml; "$LADDER" build -f lower/repo/ladder.yaml 2>/dev/null
mount -t overlay overlay -o lowerdir="$PWD/lower",upperdir="$PWD/ovl/upper",workdir="$PWD/ovl/work" ovl/merged || { echo "no overlayfs"; exit 0; }
cp v2.yaml ovl/merged/repo/ladder.yaml
"$LADDER" build -f ovl/merged/repo/ladder.yaml 2>&1; echo "exit $?"
grep -c 'targetRevision: v2' ovl/merged/repo/out/applicationset.yaml
"#;
    let Some(out) = in_mount_namespace(dir, script) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("no overlayfs") {
        eprintln!("skipped: overlayfs cannot be mounted here");
        return;
    }
    assert!(text.contains("exit 0"), "{text}{}", stderr(&out));
    assert!(!text.contains("mount point"), "{text}");
}

/// Regression: a read-only (0555) output folder, built by its owner, failed to swap
/// (the staged trees were moved between folders without write permission on
/// themselves), and the staging folder it left made every later build fail.
#[cfg(unix)]
#[test]
fn a_read_only_output_folder_is_rebuilt_and_stays_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    build_ok(dir, &["build"]);
    std::fs::set_permissions(dir.join("out"), PermissionsExt::from_mode(0o555)).unwrap();
    std::fs::write(dir.join("ladder.yaml"), spec("v2")).unwrap();
    // As root, modes do not stop anything; as the owner, they did.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let out = if root {
        let nobody = Command::new("id").args(["-u", "nobody"]).output();
        if !nobody.is_ok_and(|o| o.status.success()) {
            eprintln!("skipped: no user `nobody` to build as");
            return;
        }
        let _ = Command::new("chown")
            .args(["-R", "nobody"])
            .arg(dir)
            .status();
        std::fs::set_permissions(dir, PermissionsExt::from_mode(0o755)).unwrap();
        Command::new("su")
            .args(["nobody", "-s", "/bin/sh", "-c"])
            .arg(format!(
                "cd '{}' && '{}' build",
                dir.display(),
                env!("CARGO_BIN_EXE_ladder")
            ))
            .output()
            .unwrap()
    } else {
        ladder(dir, &["build"])
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = std::fs::metadata(dir.join("out"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o555);
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".ladder-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Regression: a FIFO (or socket, device) where ladder writes a file was silently
/// replaced; it is not ladder's, so it is a conflict.
#[cfg(unix)]
#[test]
fn a_fifo_where_a_generated_file_goes_is_never_replaced() {
    use std::os::unix::fs::FileTypeExt as _;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("out/root.yaml"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let out = ladder(dir, &["build"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("root.yaml exists and was not generated by ladder"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::symlink_metadata(dir.join("out/root.yaml"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

/// Paper cut: run from a subfolder, `ladder plan` said "cannot read the spec
/// ladder.yaml" with no hint. It looks upwards, as git and cargo do, and says where it
/// looked when there is none.
#[test]
fn a_spec_is_found_in_a_folder_above_the_working_folder() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("ladder.yaml"), spec("v1")).unwrap();
    std::fs::create_dir_all(dir.join("overlays/dev")).unwrap();
    let out = ladder(&dir.join("overlays/dev"), &["plan"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("shop:"));
    // Where none is found, the message says where ladder looked.
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::remove_file(dir.join("ladder.yaml")).unwrap();
    let out = ladder(&dir.join("overlays/dev"), &["plan"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("or any folder above it up to the repository's top"),
        "{}",
        stderr(&out)
    );
}

/// Paper cut: there was no way to start but copying an example. `ladder init` writes a
/// commented spec (named after its folder) that builds as written, with its schema for
/// editors, and never overwrites.
#[test]
fn ladder_init_writes_a_spec_that_builds_and_never_overwrites() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("My_Platform");
    std::fs::create_dir(&dir).unwrap();
    let out = ladder(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.join("ladder.yaml")).unwrap();
    assert!(text.starts_with("# yaml-language-server: $schema=ladder.schema.json"));
    assert!(text.contains("name: my-platform"));
    assert!(dir.join("ladder.schema.json").is_file());
    build_ok(&dir, &["build"]);
    let again = ladder(&dir, &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.join("ladder.yaml")).unwrap(),
        text
    );
}

/// `ladder completions SHELL` prints a completion script for each shell clap knows.
#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_ladder()"),
        ("zsh", "#compdef ladder"),
        ("fish", "complete -c ladder"),
    ] {
        let out = ladder(dir.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(marker),
            "{shell}"
        );
    }
}
