//! Helm's settings of a source: values, parameters, file parameters and flags.

use serde_json::Value as Json;

use crate::analyze::context::Cx;
use crate::analyze::model::Parameter;
use crate::load::spec;
use crate::load::yaml::PathSeg::{Index, Key, KeyOf};

use super::at::{At, ToolSettings, newer_fields};

pub(super) fn settings(
    cx: &mut Cx<'_>,
    helm: &spec::Helm,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let c = at.component;
    let mut ok = true;
    if helm.values.is_some() && helm.values_object.is_some() {
        cx.error(
            &at.sub(&[Key("helm"), KeyOf("values")]),
            "`values` and `valuesObject` both set: Argo CD uses `valuesObject` and ignores `values`",
        )
        .help = Some("merge them into one of the two".into());
        ok = false;
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in helm.parameters.iter().enumerate() {
        let path = [Key("helm"), Key("parameters"), Index(i), Key("name")];
        if p.name.trim().is_empty() {
            cx.error(&at.sub(&path), "a Helm parameter's name is empty")
                .help = Some("a dotted path into the chart's values, e.g. `image.tag`".into());
            ok = false;
            continue;
        }
        let owner = if c.image_parameter.as_deref() == Some(p.name.as_str()) {
            Some("`imageParameter` sets it from the version files")
        } else if matches!(&c.gate, spec::Gate::Digest(d) if d.helm_parameter.as_deref() == Some(p.name.as_str()))
        {
            Some("the gate's `helmParameter` carries the rollout digest in it")
        } else if names.contains(&p.name.as_str()) {
            Some("another parameter of this source sets it")
        } else {
            None
        };
        if let Some(owner) = owner {
            cx.error(
                &at.sub(&path),
                format!("the Helm parameter `{}` is set twice: {owner}", p.name),
            )
            .help = Some("remove one of them".into());
            ok = false;
            continue;
        }
        names.push(&p.name);
        let value = at.interpolate(
            cx,
            &[Key("helm"), Key("parameters"), Index(i), Key("value")],
            &p.value,
        )?;
        out.parameters.push(Parameter {
            name: p.name.clone(),
            value,
            force_string: p.force_string.unwrap_or(false),
        });
    }
    if let Some(values) = &helm.values {
        out.helm_extra
            .insert("values".into(), Json::String(values.clone()));
    }
    if let Some(values) = &helm.values_object {
        out.helm_extra
            .insert("valuesObject".into(), Json::Object(values.clone()));
    }
    if !helm.file_parameters.is_empty() {
        let mut list = Vec::new();
        for (i, p) in helm.file_parameters.iter().enumerate() {
            if p.name.trim().is_empty() {
                cx.error(
                    &at.sub(&[Key("helm"), Key("fileParameters"), Index(i), Key("name")]),
                    "a Helm file parameter's name is empty",
                );
                ok = false;
            }
            let path = at.interpolate(
                cx,
                &[Key("helm"), Key("fileParameters"), Index(i), Key("path")],
                &p.path,
            )?;
            list.push(serde_json::json!({ "name": p.name, "path": path }));
        }
        out.helm_extra
            .insert("fileParameters".into(), Json::Array(list));
    }
    for (key, value) in [
        ("ignoreMissingValueFiles", helm.ignore_missing_value_files),
        ("skipCrds", helm.skip_crds),
        ("passCredentials", helm.pass_credentials),
        ("skipTests", helm.skip_tests),
        ("skipSchemaValidation", helm.skip_schema_validation),
    ] {
        if let Some(v) = value {
            out.helm_extra.insert(key.into(), Json::Bool(v));
        }
    }
    for (key, value) in [
        ("namespace", &helm.namespace),
        ("kubeVersion", &helm.kube_version),
        ("version", &helm.version),
    ] {
        if let Some(v) = value {
            let v = at.interpolate(cx, &[Key("helm"), Key(key)], v)?;
            out.helm_extra.insert(key.into(), Json::String(v));
        }
    }
    if !helm.api_versions.is_empty() {
        out.helm_extra
            .insert("apiVersions".into(), serde_json::json!(helm.api_versions));
    }
    ok &= newer_fields(
        cx,
        at,
        "helm",
        &[
            ("namespace", helm.namespace.is_some(), (2, 13)),
            ("kubeVersion", helm.kube_version.is_some(), (2, 13)),
            ("apiVersions", !helm.api_versions.is_empty(), (2, 13)),
            ("skipTests", helm.skip_tests.is_some(), (2, 14)),
            (
                "skipSchemaValidation",
                helm.skip_schema_validation.is_some(),
                (2, 14),
            ),
        ],
    );
    ok.then_some(())
}
