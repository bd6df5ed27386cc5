// Command ladder-conformance runs ladder's emitted trees through the engines Argo CD
// itself uses, so what the Rust tests claim about Argo CD is checked against the real
// thing:
//
//   - yaml FILE...: every document read by go-yaml v3 and by go-yaml v2, the decoder
//     under sigs.k8s.io/yaml with which kubectl and Argo CD read manifests
//     (gitops-engine pkg/utils/kube/kube.go SplitYAML); both must accept the file and
//     read the same values.
//   - appset FILE...: every ApplicationSet's list elements rendered through its
//     template as the ApplicationSet controller does in goTemplate mode (Go
//     text/template with the sprig v3 functions, goTemplateOptions, templatePatch as a
//     strategic merge patch), and each Application's RollingSync step selected with
//     In/NotIn; the Applications are printed as YAML for the caller to validate.
//   - health DIR FILE...: every health check in the argocd-cm ConfigMaps given, run in
//     gopher-lua as Argo CD runs it, against the object states in DIR/<key>.yaml.
//   - jq FILE: whether gojq, as Argo CD's diff normalizer uses it, accepts each line of
//     FILE as an ignoreDifferences jq path expression.
//
// It is ladder's own code: it mirrors the behaviour of the Argo CD source cited in
// each file, and copies none of it. tests/conformance.rs builds and runs it.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ladder-conformance yaml FILE... | json FILE... | appset FILE... | health DIR FILE... | jq FILE")
		os.Exit(2)
	}
	var problems []string
	switch os.Args[1] {
	case "yaml":
		problems = cmdYAML(os.Args[2:])
	case "json":
		problems = cmdJSON(os.Args[2:])
	case "appset":
		problems = cmdAppset(os.Args[2:])
	case "jq":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: ladder-conformance jq FILE")
			os.Exit(2)
		}
		problems = cmdJQ(os.Args[2])
	case "health":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "usage: ladder-conformance health DIR FILE...")
			os.Exit(2)
		}
		problems = cmdHealth(os.Args[2], os.Args[3:])
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "error:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
