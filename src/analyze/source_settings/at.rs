//! Where a source is in the spec and what its tool settings resolve to, shared by the
//! files of each tool.

use serde_json::{Map, Value as Json};

use crate::analyze::context::Cx;
use crate::analyze::model::{Parameter, Version};
use crate::load::spec;
use crate::load::yaml::PathSeg::{self, Key, KeyOf};

/// What a source's tool settings add to its resolved [`crate::analyze::model::Source`].
#[derive(Default)]
pub(crate) struct ToolSettings {
    pub(crate) name: Option<String>,
    pub(crate) tag_prefix: Option<String>,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) helm_extra: Map<String, Json>,
    pub(crate) kustomize_images: Vec<String>,
    pub(crate) common_annotations: Vec<(String, String)>,
    pub(crate) kustomize_extra: Map<String, Json>,
    pub(crate) directory: Option<Json>,
    pub(crate) plugin: Option<Json>,
}

/// Where the source is in the spec, and what it is resolved for.
pub(crate) struct At<'a> {
    pub(crate) path: &'a [PathSeg<'static>],
    pub(crate) env: &'a str,
    pub(crate) component: &'a spec::Component,
    pub(crate) version: Version,
}

impl At<'_> {
    pub(super) fn sub(&self, rest: &[PathSeg<'static>]) -> Vec<PathSeg<'static>> {
        let mut p = self.path.to_vec();
        p.extend_from_slice(rest);
        p
    }

    pub(super) fn interpolate(
        &self,
        cx: &mut Cx<'_>,
        rest: &[PathSeg<'static>],
        text: &str,
    ) -> Option<String> {
        cx.interpolate(&self.sub(rest), text, self.env, &self.component.name)
    }
}

/// Refuses the fields of `tool` that `at.version` does not have: `(field, set, (major,
/// minor))` with the version the field arrived in (the Application CRD of that release,
/// `manifests/crds/application-crd.yaml`, is the first to list it).
pub(super) fn newer_fields(
    cx: &mut Cx<'_>,
    at: &At<'_>,
    tool: &'static str,
    fields: &[(&'static str, bool, (u32, u32))],
) -> bool {
    let mut ok = true;
    for &(field, set, (major, minor)) in fields {
        if set && !at.version.at_least(major, minor) {
            cx.error(
                &at.sub(&[Key(tool), KeyOf(field)]),
                format!(
                    "Argo CD {} has no `{tool}.{field}`; it arrived in {major}.{minor}",
                    at.version
                ),
            )
            .help = Some(format!(
                "raise `argocd.version` to \"{major}.{minor}\" or later if your Argo CD runs it, or remove `{field}`"
            ));
            ok = false;
        }
    }
    ok
}

pub(super) fn string_map(map: &indexmap::IndexMap<String, String>) -> Json {
    Json::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}
