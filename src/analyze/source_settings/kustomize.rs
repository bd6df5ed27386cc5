//! Kustomize's settings of a source: names, namespace, labels, annotations, images,
//! Components, patches, replicas and flags.

use serde_json::Value as Json;

use crate::analyze::context::Cx;
use crate::load::spec;
use crate::load::yaml::PathSeg::{Index, Key, KeyOf};

use super::at::{At, ToolSettings, newer_fields, string_map};

pub(super) fn settings(
    cx: &mut Cx<'_>,
    k: &spec::Kustomize,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let mut ok = true;
    for (key, value) in [
        ("namePrefix", &k.name_prefix),
        ("nameSuffix", &k.name_suffix),
        ("namespace", &k.namespace),
    ] {
        if let Some(v) = value {
            let v = at.interpolate(cx, &[Key("kustomize"), Key(key)], v)?;
            if key == "namespace" && !crate::analyze::names::is_dns1123_label(&v) {
                cx.error(
                    &at.sub(&[Key("kustomize"), Key(key)]),
                    format!(
                        "namespace `{v}` (in `{}`) is not a valid Kubernetes name",
                        at.env
                    ),
                )
                .help = Some(crate::analyze::names::dns_help());
                ok = false;
            }
            out.kustomize_extra.insert(key.into(), Json::String(v));
        }
    }
    if !k.common_labels.is_empty() {
        crate::analyze::applications::check_label_map(
            cx,
            &k.common_labels,
            &at.sub(&[Key("kustomize"), Key("commonLabels")]),
            &[],
        );
        out.kustomize_extra
            .insert("commonLabels".into(), string_map(&k.common_labels));
    }
    for key in k.common_annotations.keys() {
        if key.starts_with("ladder.dev/") {
            let mut path = at.sub(&[Key("kustomize"), Key("commonAnnotations")]);
            path.push(KeyOf(key));
            cx.error(&path, format!("annotation `{key}` is ladder's"))
                .help = Some(
                "remove it; `ladder.dev/` keys are set by ladder (a gate's rollout digest)".into(),
            );
            ok = false;
        }
    }
    crate::analyze::applications::check_annotation_keys(
        cx,
        &k.common_annotations,
        &at.sub(&[Key("kustomize"), Key("commonAnnotations")]),
    );
    out.common_annotations = k
        .common_annotations
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (i, image) in k.images.iter().enumerate() {
        let name = image_name(image);
        if image.trim().is_empty() {
            cx.error(
                &at.sub(&[Key("kustomize"), Key("images"), Index(i)]),
                "an image override is empty",
            )
            .help = Some("`name:tag`, `name=newName:tag` or `name@sha256:…`".into());
            ok = false;
        } else if at.component.kustomize_images.contains_key(name) {
            cx.error(
                &at.sub(&[Key("kustomize"), Key("images"), Index(i)]),
                format!("the image `{name}` is also in `kustomizeImages`, which sets its tag from the version files"),
            )
            .help = Some("remove one of them".into());
            ok = false;
        }
        out.kustomize_images.push(image.clone());
    }
    if !k.components.is_empty() {
        let mut list = Vec::new();
        for (i, component) in k.components.iter().enumerate() {
            list.push(Json::String(at.interpolate(
                cx,
                &[Key("kustomize"), Key("components"), Index(i)],
                component,
            )?));
        }
        out.kustomize_extra
            .insert("components".into(), Json::Array(list));
    }
    for (key, value) in [
        ("forceCommonLabels", k.force_common_labels),
        ("forceCommonAnnotations", k.force_common_annotations),
        ("commonAnnotationsEnvsubst", k.common_annotations_envsubst),
        ("labelWithoutSelector", k.label_without_selector),
        ("labelIncludeTemplates", k.label_include_templates),
        ("ignoreMissingComponents", k.ignore_missing_components),
    ] {
        if let Some(v) = value {
            out.kustomize_extra.insert(key.into(), Json::Bool(v));
        }
    }
    for (key, value) in [("kubeVersion", &k.kube_version), ("version", &k.version)] {
        if let Some(v) = value {
            out.kustomize_extra
                .insert(key.into(), Json::String(v.clone()));
        }
    }
    if !k.api_versions.is_empty() {
        out.kustomize_extra
            .insert("apiVersions".into(), serde_json::json!(k.api_versions));
    }
    if !k.replicas.is_empty() {
        for (i, r) in k.replicas.iter().enumerate() {
            if r.count < 0 {
                cx.error(
                    &at.sub(&[Key("kustomize"), Key("replicas"), Index(i), Key("count")]),
                    format!("`count` is {}; a workload has 0 or more replicas", r.count),
                );
                ok = false;
            }
        }
        out.kustomize_extra.insert(
            "replicas".into(),
            serde_json::to_value(&k.replicas).unwrap_or(Json::Null),
        );
    }
    // Argo CD passes these as flags of `kustomize edit add label` and `… annotation`,
    // which it runs only for labels or annotations the source sets (v3.5.1
    // util/kustomize/kustomize.go:222).
    for (flag, set, needs) in [
        (
            "forceCommonLabels",
            k.force_common_labels.is_some(),
            "commonLabels",
        ),
        (
            "labelWithoutSelector",
            k.label_without_selector.is_some(),
            "commonLabels",
        ),
        (
            "labelIncludeTemplates",
            k.label_include_templates.is_some(),
            "commonLabels",
        ),
        (
            "forceCommonAnnotations",
            k.force_common_annotations.is_some(),
            "commonAnnotations",
        ),
        (
            "commonAnnotationsEnvsubst",
            k.common_annotations_envsubst.is_some(),
            "commonAnnotations",
        ),
    ] {
        let empty = if needs == "commonLabels" {
            k.common_labels.is_empty()
        } else {
            k.common_annotations.is_empty()
        };
        if set && empty {
            cx.error(
                &at.sub(&[Key("kustomize"), KeyOf(flag)]),
                format!("`{flag}` changes how Argo CD adds `{needs}`, and this source has none, so it does nothing"),
            )
            .help = Some(format!("add `{needs}`, or remove `{flag}`"));
            ok = false;
        }
    }
    if k.label_include_templates == Some(true) && k.label_without_selector != Some(true) {
        cx.error(
            &at.sub(&[Key("kustomize"), KeyOf("labelIncludeTemplates")]),
            "`labelIncludeTemplates` applies only with `labelWithoutSelector: true`",
        )
        .help = Some("add `labelWithoutSelector: true`, or remove `labelIncludeTemplates`".into());
        ok = false;
    }
    ok &= newer_fields(
        cx,
        at,
        "kustomize",
        &[
            (
                "labelWithoutSelector",
                k.label_without_selector.is_some(),
                (2, 11),
            ),
            ("kubeVersion", k.kube_version.is_some(), (2, 13)),
            ("apiVersions", !k.api_versions.is_empty(), (2, 13)),
            (
                "labelIncludeTemplates",
                k.label_include_templates.is_some(),
                (3, 0),
            ),
            (
                "ignoreMissingComponents",
                k.ignore_missing_components.is_some(),
                (3, 0),
            ),
        ],
    );
    if !k.patches.is_empty() {
        let mut list = Vec::new();
        for (i, patch) in k.patches.iter().enumerate() {
            if patch.path.is_some() == patch.patch.is_some() {
                cx.error(
                    &at.sub(&[Key("kustomize"), Key("patches"), Index(i)]),
                    "a kustomize patch is a file (`path`) or inline text (`patch`), exactly one of them",
                );
                ok = false;
            }
            list.push(serde_json::to_value(patch).unwrap_or(Json::Null));
        }
        out.kustomize_extra
            .insert("patches".into(), Json::Array(list));
    }
    ok.then_some(())
}

/// The image an override is for: what comes before `=`, else before the tag or digest.
fn image_name(image: &str) -> &str {
    if let Some((name, _)) = image.split_once('=') {
        return name;
    }
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    // A `:` after the last `/` starts the tag (a registry's port comes before a `/`).
    match without_digest.rfind(':') {
        Some(colon) if !without_digest[colon..].contains('/') => &without_digest[..colon],
        _ => without_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::image_name;

    #[test]
    fn image_overrides_name_their_image_as_kustomize_edit_set_image_does() {
        assert_eq!(image_name("nginx:1.27"), "nginx");
        assert_eq!(image_name("nginx=registry.example.com/nginx:1.27"), "nginx");
        assert_eq!(
            image_name("registry.example.com:5000/team/web:2.0"),
            "registry.example.com:5000/team/web"
        );
        assert_eq!(
            image_name("registry.example.com:5000/team/web"),
            "registry.example.com:5000/team/web"
        );
        assert_eq!(image_name("web@sha256:abc"), "web");
    }
}
