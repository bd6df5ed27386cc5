// The conformance harness, built in GOPATH mode (GO111MODULE=off) against Debian's
// packaged Go sources in /usr/share/gocode: see tests/conformance.rs. This file only
// marks the tree as module-aware, so imports such as github.com/Masterminds/sprig/v3
// resolve to the packaged directories (Go's minimal module compatibility).
module ladder-conformance

go 1.19
