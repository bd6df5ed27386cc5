//! Helm values output of resource groups (see [`super`]).
