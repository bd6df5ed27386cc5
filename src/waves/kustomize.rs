//! Kustomize output of resource groups (see [`super`]).
