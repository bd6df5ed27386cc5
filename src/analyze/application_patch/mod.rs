//! `application:`, the escape hatch: a patch per component (and per environment, in
//! `overrides.ENV.application`) merged into the generated Application for the fields the
//! spec has no first-class place for (today `metadata.finalizers`, in app-of-apps children
//! and under RollingSync with `preserveResourcesOnDeletion`, and in the app-of-apps
//! strategy's automatically synced environments `spec.syncPolicy.automated.allowEmpty`).
//!
//! A patch is checked, key by key and where it is written, against ladder's model of the
//! Application for the target Argo CD version ([`fields`]): a field ladder owns, one a
//! first-class field writes, one Argo CD would act on in a way that defeats the rollout, a
//! field the version lacks, a misspelt key or a wrong type is an error with the fix.
//!
//! Merging follows Argo CD's `templatePatch` (v3.5.1 applicationset/controllers/template/
//! patch.go: a strategic merge patch on `Application`, whose fields carry no patch
//! strategy; ObjectMeta's finalizers merge, which is why they are refused where the
//! controller adds its own first): objects merge key by key, a list or a scalar replaces
//! what is there. An
//! override's patch merges over the component's the same way, and its `null` removes a
//! key the component's patch sets.

pub(crate) mod fields;

use serde_json::{Map, Value as Json};

use self::fields::{Field, Role, Shape};
use super::context::Cx;
use crate::analyze::model::Version;
use crate::diagnostic::did_you_mean;
use crate::load::spec::{self, Strategy, Sync};
use crate::load::yaml::PathSeg::{self, Key, KeyOf};

/// Argo CD's own finalizers for PreDelete and PostDelete hooks, which it adds and removes
/// itself (v3.5.1 pkg/apis/application/v1alpha1/application_defaults.go).
const HOOK_FINALIZERS: [&str; 2] = [
    "pre-delete-finalizer.argocd.argoproj.io",
    "post-delete-finalizer.argocd.argoproj.io",
];

/// Argo CD's resources finalizer: an Application that carries it deletes its resources
/// when it is deleted.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";

/// The resources finalizer's three spellings, with how it deletes (Argo CD knows no
/// other: v3.5.1 pkg/apis/application/v1alpha1/types.go `isPropagationPolicyFinalizer`).
pub const RESOURCES_FINALIZERS: [&str; 3] = [
    RESOURCES_FINALIZER,
    "resources-finalizer.argocd.argoproj.io/foreground",
    "resources-finalizer.argocd.argoproj.io/background",
];

/// Checks a component's `application` patch and those of its overrides.
pub(super) fn check(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    component: &spec::Component,
    enabled: &[bool],
    version: Version,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) {
    let rolling = spec.rollout.strategy == Strategy::RollingSync;
    // Under RollingSync the controller gives an Application without finalizers the
    // resources finalizer before it applies the patch (v3.5.1 applicationset/utils/
    // utils.go `RenderTemplateParams`), and a patch only adds to ObjectMeta's finalizers
    // (`patchStrategy:"merge"`): only without that default is the patch's list the list.
    let finalizers_added =
        rolling && spec.rollout.application_set.preserve_resources_on_deletion != Some(true);
    let manual = |env: &str| {
        spec.environments
            .iter()
            .any(|e| e.name == env && e.sync == Sync::Manual)
    };
    if let Some(patch) = &component.application {
        // The manual environments the component's `automated` would reach.
        let reached: Vec<&str> = spec
            .environments
            .iter()
            .zip(enabled)
            .filter(|(e, on)| **on && e.sync == Sync::Manual)
            .map(|(e, _)| e.name.as_str())
            .filter(|env| {
                // A `null` there, or on `spec` or `syncPolicy`, removes it.
                let over = component
                    .overrides
                    .get(*env)
                    .and_then(|o| o.application.as_ref());
                let removed = over.is_some_and(|p| {
                    [
                        &["spec"][..],
                        &["spec", "syncPolicy"],
                        &["spec", "syncPolicy", "automated"],
                    ]
                    .iter()
                    .any(|path| lookup(p, path).is_some_and(Json::is_null))
                });
                !removed
            })
            .collect();
        let walk = Walk {
            version,
            rolling,
            finalizers_added,
            manual: &reached,
            layer: Layer::Component,
        };
        walk.object(
            cx,
            fields::APPLICATION,
            patch,
            &at(&[Key("application")]),
            "",
        );
    }
    for (env, o) in &component.overrides {
        let Some(patch) = &o.application else {
            continue;
        };
        let here = [env.as_str()];
        let walk = Walk {
            version,
            rolling,
            finalizers_added,
            manual: if manual(env) { &here } else { &[] },
            layer: Layer::Override(component.application.as_ref()),
        };
        let mut path = at(&[Key("overrides")]);
        path.push(Key(env));
        path.push(Key("application"));
        walk.object(cx, fields::APPLICATION, patch, &path, "");
    }
}

/// The patch of a component's Application in `env`: the component's, with the
/// override's merged over it; `None` when nothing is left.
pub(super) fn resolve(component: &spec::Component, env: &str) -> Option<Json> {
    let mut patch = Json::Object(component.application.clone().unwrap_or_default());
    if let Some(over) = component
        .overrides
        .get(env)
        .and_then(|o| o.application.as_ref())
    {
        merge(&mut patch, &Json::Object(over.clone()));
    }
    prune_empty(&mut patch);
    patch
        .as_object()
        .is_some_and(|m| !m.is_empty())
        .then_some(patch)
}

/// Merges `patch` into `base` as Argo CD applies a `templatePatch` to a type without
/// patch strategies: objects key by key, `null` removing a key, anything else replacing.
pub fn merge(base: &mut Json, patch: &Json) {
    match (base, patch) {
        (Json::Object(b), Json::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(existing) = b.get_mut(k) {
                    merge(existing, v);
                } else {
                    let mut v = v.clone();
                    drop_nulls(&mut v);
                    b.insert(k.clone(), v);
                }
            }
        }
        (b, p) => {
            *b = p.clone();
            drop_nulls(b);
        }
    }
}

/// Removes the `null`s of objects (which remove nothing when nothing is beneath them).
fn drop_nulls(v: &mut Json) {
    if let Json::Object(m) = v {
        m.retain(|_, v| !v.is_null());
        m.values_mut().for_each(drop_nulls);
    }
}

/// Removes objects left empty (a `spec: {}` merges nothing).
fn prune_empty(v: &mut Json) {
    if let Json::Object(m) = v {
        m.values_mut().for_each(prune_empty);
        m.retain(|_, v| !v.as_object().is_some_and(Map::is_empty));
    }
}

/// The value at `path` of a patch.
pub fn lookup<'a>(patch: &'a Map<String, Json>, path: &[&str]) -> Option<&'a Json> {
    let (first, rest) = path.split_first()?;
    let v = patch.get(*first)?;
    if rest.is_empty() {
        return Some(v);
    }
    lookup(v.as_object()?, rest)
}

/// The patch a check reads, for what its `null`s remove.
#[derive(Clone, Copy)]
enum Layer<'a> {
    /// The component's own: beneath it is only what ladder writes.
    Component,
    /// An override's, over the component's patch (if it has one).
    Override(Option<&'a Map<String, Json>>),
}

/// What a check of one patch knows besides the patch.
struct Walk<'a> {
    version: Version,
    rolling: bool,
    /// Whether the ApplicationSet controller adds the resources finalizer first.
    finalizers_added: bool,
    /// The manual environments the patch reaches.
    manual: &'a [&'a str],
    /// Which patch this is: the component's, or an override's over the component's.
    layer: Layer<'a>,
}

impl Walk<'_> {
    fn object<'p>(
        &self,
        cx: &mut Cx<'_>,
        known: &'static [Field],
        value: &'p Map<String, Json>,
        path: &[PathSeg<'p>],
        dotted: &str,
    ) {
        for (key, v) in value {
            let here = if dotted.is_empty() {
                key.clone()
            } else {
                format!("{dotted}.{key}")
            };
            let mut key_path = path.to_vec();
            key_path.push(KeyOf(key));
            let mut value_path = path.to_vec();
            value_path.push(Key(key));
            let Some(field) = known.iter().find(|f| f.name == key) else {
                let names = known
                    .iter()
                    .filter(|f| f.exists_in(self.version))
                    .map(|f| f.name);
                let help = did_you_mean(key, names.clone()).unwrap_or_else(|| {
                    format!(
                        "its fields are {}",
                        names
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
                let of = if dotted.is_empty() {
                    "an Argo CD Application".to_owned()
                } else {
                    format!("an Application's `{dotted}`")
                };
                cx.error(&key_path, format!("`{key}` is not a field of {of}"))
                    .help = Some(help);
                continue;
            };
            let configurable = matches!(
                field.role,
                Role::Open(_) | Role::Within(_) | Role::Automated(_)
            );
            if configurable && !field.exists_in(self.version) {
                let since = field.since.unwrap_or(self.version);
                cx.error(
                    &key_path,
                    format!(
                        "Argo CD {} has no `{here}`; it arrived in {since}",
                        self.version
                    ),
                )
                .help = Some(format!(
                    "raise `argocd.version` to \"{since}\" or later if your Argo CD runs it, or remove `{key}`"
                ));
                continue;
            }
            if v.is_null() {
                self.null(cx, &key_path, &here);
                continue;
            }
            match field.role {
                Role::Owned(why) => {
                    cx.error(&key_path, format!("`{here}` is ladder's to write: {why}"))
                        .help = Some(format!("remove `{key}` from the patch"));
                }
                Role::FirstClass(instead) => {
                    cx.error(
                        &key_path,
                        format!("`{here}` has a first-class field in the spec"),
                    )
                    .help = Some(format!("write {instead}, not an `application` patch"));
                }
                Role::Refused(why) => {
                    cx.error(&key_path, format!("`{here}` cannot be patched: {why}"))
                        .help = Some(format!("remove `{key}` from the patch"));
                }
                Role::Within(inner) => self.nested(cx, inner, v, &value_path, &here),
                Role::Automated(inner) => {
                    if self.rolling {
                        cx.error(
                            &key_path,
                            format!("under RollingSync ladder writes `{here}`: Argo CD turns automated sync off on the Applications of a RollingSync ApplicationSet and syncs them step by step itself, reading only `prune` (up to 3.2 it removes the block; 3.3 sets `enabled: false`)"),
                        )
                        .help = Some("remove `automated` from the patch; `prune` is the environment's".into());
                    } else if !self.manual.is_empty() {
                        cx.error(
                            &key_path,
                            format!(
                                "`{here}` would reach {}, which {} manual: an automated block makes Argo CD sync an Application by itself",
                                self.manual.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "),
                                if self.manual.len() == 1 { "is" } else { "are" }
                            ),
                        )
                        .help = Some(
                            "set it in `overrides.ENV.application` of the `sync: auto` environments only"
                                .into(),
                        );
                    } else {
                        self.nested(cx, inner, v, &value_path, &here);
                    }
                }
                Role::Open(Shape::Finalizers) if self.finalizers_added => {
                    cx.error(
                        &key_path,
                        format!("under RollingSync the ApplicationSet controller gives each Application `{RESOURCES_FINALIZER}` before it applies the patch, and a patch only adds to `{here}` (Kubernetes merges ObjectMeta's finalizers), so it could neither remove that finalizer nor choose how it deletes"),
                    )
                    .help = Some("set `rollout.applicationSet.preserveResourcesOnDeletion: true`: each Application then has exactly the finalizers its patch lists (none: deleting it leaves its resources)".into());
                }
                Role::Open(shape) => check_shape(cx, shape, v, &value_path, &here),
            }
        }
    }

    fn nested<'p>(
        &self,
        cx: &mut Cx<'_>,
        inner: &'static [Field],
        v: &'p Json,
        path: &[PathSeg<'p>],
        here: &str,
    ) {
        match v {
            Json::Object(m) => self.object(cx, inner, m, path, here),
            other => {
                cx.error(
                    path,
                    format!("`{here}` is an object, found {}", json_kind(other)),
                );
            }
        }
    }

    /// A `null`: in an override it removes what the component's patch sets; anywhere
    /// else it would remove nothing.
    fn null(&self, cx: &mut Cx<'_>, path: &[PathSeg<'_>], here: &str) {
        let dotted: Vec<&str> = here.split('.').collect();
        match self.layer {
            Layer::Override(Some(below)) if lookup(below, &dotted).is_some() => {}
            Layer::Override(_) => {
                cx.error(
                    path,
                    format!("`null` removes a field of the component's `application` patch, which sets no `{here}`"),
                )
                .help = Some("remove the key".into());
            }
            Layer::Component => {
                cx.error(
                    path,
                    format!("`{here}: null` removes nothing: ladder writes no `{here}` for a patch to remove"),
                )
                .help = Some("remove the key, or give it a value".into());
            }
        }
    }
}

fn check_shape(cx: &mut Cx<'_>, shape: Shape, v: &Json, path: &[PathSeg<'_>], here: &str) {
    match shape {
        Shape::Bool => {
            if !v.is_boolean() {
                cx.error(
                    path,
                    format!("`{here}` is `true` or `false`, found {}", json_kind(v)),
                );
            }
        }
        Shape::Finalizers => {
            let Some(items) = v.as_array() else {
                cx.error(
                    path,
                    format!(
                        "`{here}` is a list of finalizer names, found {}",
                        json_kind(v)
                    ),
                )
                .help = Some(format!("e.g. `[{RESOURCES_FINALIZER}]`"));
                return;
            };
            let mut seen: Vec<&str> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let mut item_path = path.to_vec();
                item_path.push(PathSeg::Index(i));
                let Some(name) = item.as_str() else {
                    cx.error(
                        &item_path,
                        format!("a finalizer is a name, found {}", json_kind(item)),
                    );
                    continue;
                };
                if let Err(why) = crate::analyze::names::check_label_key(name) {
                    cx.error(
                        &item_path,
                        format!("`{name}` is not a finalizer name Kubernetes accepts: {why}"),
                    )
                    .help = Some(format!("e.g. `{RESOURCES_FINALIZER}`"));
                } else if HOOK_FINALIZERS
                    .iter()
                    .any(|f| name == *f || name.starts_with(&format!("{f}/")))
                {
                    cx.error(
                        &item_path,
                        format!("`{name}` is Argo CD's own: it adds it to an Application with PreDelete or PostDelete hooks and removes it once they ran, so written here it would hold the Application's deletion"),
                    )
                    .help = Some("remove it; give the hooks' resources `argocd.argoproj.io/hook: PreDelete` or `PostDelete`".into());
                } else if name
                    .split('/')
                    .next()
                    .is_some_and(|d| d.ends_with(".argocd.argoproj.io"))
                    && !RESOURCES_FINALIZERS.contains(&name)
                {
                    cx.error(
                        &item_path,
                        format!("Argo CD has no finalizer `{name}`: nothing would remove it, so deleting the Application would never finish"),
                    )
                    .help = Some(
                        did_you_mean(name, RESOURCES_FINALIZERS)
                            .unwrap_or_else(|| format!("Argo CD's are {}", RESOURCES_FINALIZERS.map(|f| format!("`{f}`")).join(", "))),
                    );
                } else if seen.contains(&name) {
                    cx.error(&item_path, format!("`{name}` is listed twice"));
                }
                seen.push(name);
            }
        }
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

/// The fields of a patch under `part` (`metadata` or `spec`) that ladder writes no other
/// way (all but `spec.syncPolicy`), to be added as they are.
pub fn added_fields<'a>(
    patch: Option<&'a Json>,
    part: &'static str,
) -> impl Iterator<Item = (&'a String, &'a Json)> {
    patch
        .and_then(|p| p.get(part))
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "syncPolicy")
}

/// The finalizers a patch gives an Application, if it sets them.
pub fn finalizers(patch: Option<&Json>) -> Option<Vec<&str>> {
    let list = lookup(patch?.as_object()?, &["metadata", "finalizers"])?.as_array()?;
    Some(list.iter().filter_map(Json::as_str).collect())
}

#[cfg(test)]
mod tests;
