package main

// The ApplicationSet controller's goTemplate rendering and RollingSync step selection,
// for the list generator ladder emits. What is mirrored, at v3.5.1 (v2.10.0 the same
// unless said):
//
//   - parameters: each list element as a map decoded from its JSON
//     (applicationset/generators/list.go GenerateParams);
//   - the template: name, namespace, labels, annotations, finalizers and spec
//     (applicationset/controllers/template/template.go GetTempApplication), every
//     string and map key rendered with text/template, the sprig v3 generic functions
//     without env, expandenv and getHostByName, and each goTemplateOptions entry as a
//     template option; nil map values dropped (applicationset/utils/utils.go
//     deeplyReplaceWithFilter, Replace);
//   - the resources finalizer added when the template has none and the ApplicationSet
//     does not preserve resources on deletion (utils.go RenderTemplateParams);
//   - templatePatch rendered the same way, read as YAML (sigs.k8s.io/yaml, a go-yaml v2
//     reader) and applied as a strategic merge patch: maps merge, null deletes, lists
//     replace, except metadata.finalizers, which ObjectMeta merges; spec.project kept
//     from before the patch; the Application's namespace set to the ApplicationSet's
//     (template/patch.go applyTemplatePatch, template.go GenerateApplications);
//   - steps: an Application is in a step when every matchExpression holds: In needs
//     the label with one of the values, NotIn fails on one of them, a missing label
//     fails In only (progressivesync/progressive_sync.go buildAppDependencyList and
//     labelMatchedExpression; v2.10.0 applicationset_controller.go).
//
// Not mirrored, and refused: other generators, elementsYaml, a generator's own template
// or selector, fasttemplate mode, sprig functions Argo CD adds (normalize, slugify,
// toYaml, fromYaml, fromYamlArray), strategic-merge directives. Argo CD also decodes
// the result into its Go types, dropping unknown fields; here the caller validates the
// Applications against the CRD schema instead.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig/v3"
	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
)

var funcMap = func() template.FuncMap {
	m := sprig.GenericFuncMap()
	// Argo CD removes these so templates cannot read the controller's environment.
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	return template.FuncMap(m)
}()

// cmdAppset prints the Applications every ApplicationSet in files generates, as YAML
// documents, and says on stderr how many and in how many steps.
func cmdAppset(files []string) []string {
	var problems []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		docs, err := decodeV3(data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, doc := range docs {
			m, ok := doc.(map[string]any)
			if !ok || m["kind"] != "ApplicationSet" {
				continue
			}
			apps, steps, err := generate(m)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: ApplicationSet %v: %v", file, name(m), err))
				continue
			}
			for _, app := range apps {
				var out bytes.Buffer
				enc := yaml3.NewEncoder(&out)
				enc.SetIndent(2)
				if err := enc.Encode(app); err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", file, err))
					continue
				}
				fmt.Printf("---\n%s", out.Bytes())
			}
			fmt.Fprintf(os.Stderr, "%s: ApplicationSet %v: %d Applications in %d steps\n", file, name(m), len(apps), steps)
		}
	}
	return problems
}

func name(obj map[string]any) any {
	meta, _ := obj["metadata"].(map[string]any)
	return meta["name"]
}

// generate renders every element and checks the steps; it returns the Applications and
// the number of steps.
func generate(appset map[string]any) ([]map[string]any, int, error) {
	spec, _ := appset["spec"].(map[string]any)
	if spec == nil {
		return nil, 0, fmt.Errorf("no spec")
	}
	if spec["goTemplate"] != true {
		return nil, 0, fmt.Errorf("goTemplate is not true: fasttemplate mode is not mirrored")
	}
	var options []string
	if list, ok := spec["goTemplateOptions"].([]any); ok {
		for _, o := range list {
			s, ok := o.(string)
			if !ok {
				return nil, 0, fmt.Errorf("goTemplateOptions: %v is not a string", o)
			}
			options = append(options, s)
		}
	}
	elements, err := listElements(spec)
	if err != nil {
		return nil, 0, err
	}
	tmpl, _ := spec["template"].(map[string]any)
	if tmpl == nil {
		return nil, 0, fmt.Errorf("no template")
	}
	tmplMeta, _ := tmpl["metadata"].(map[string]any)
	base := map[string]any{"metadata": map[string]any{}, "spec": tmpl["spec"]}
	for _, k := range []string{"name", "namespace", "labels", "annotations", "finalizers"} {
		if v, ok := tmplMeta[k]; ok {
			base["metadata"].(map[string]any)[k] = v
		}
	}
	preserve := false
	if policy, ok := spec["syncPolicy"].(map[string]any); ok {
		preserve = policy["preserveResourcesOnDeletion"] == true
	}
	patch, hasPatch := spec["templatePatch"].(string)
	appsetMeta, _ := appset["metadata"].(map[string]any)

	var apps []map[string]any
	seen := map[string]bool{}
	for i, params := range elements {
		rendered, err := replaceDeep(base, params, options)
		if err != nil {
			return nil, 0, fmt.Errorf("element %d: %w", i+1, err)
		}
		app := rendered.(map[string]any)
		meta := app["metadata"].(map[string]any)
		if f, _ := meta["finalizers"].([]any); len(f) == 0 && !preserve {
			meta["finalizers"] = []any{"resources-finalizer.argocd.argoproj.io"}
		}
		if hasPatch {
			text, err := render(patch, params, options)
			if err != nil {
				return nil, 0, fmt.Errorf("element %d: templatePatch: %w", i+1, err)
			}
			patchValue, err := patchJSON(text)
			if err != nil {
				return nil, 0, fmt.Errorf("element %d: templatePatch: %w\n%s", i+1, err, text)
			}
			project := nested(app, "spec", "project")
			if err := mergePatch(app, patchValue, ""); err != nil {
				return nil, 0, fmt.Errorf("element %d: templatePatch: %w", i+1, err)
			}
			if s, ok := app["spec"].(map[string]any); ok {
				if project == nil {
					delete(s, "project")
				} else {
					s["project"] = project
				}
			}
		}
		meta = app["metadata"].(map[string]any)
		meta["namespace"] = appsetMeta["namespace"]
		n, _ := meta["name"].(string)
		if n == "" {
			return nil, 0, fmt.Errorf("element %d: the Application has no name", i+1)
		}
		if seen[n] {
			return nil, 0, fmt.Errorf("two elements generate the Application %q", n)
		}
		seen[n] = true
		apps = append(apps, map[string]any{
			"apiVersion": "argoproj.io/v1alpha1",
			"kind":       "Application",
			"metadata":   app["metadata"],
			"spec":       app["spec"],
		})
	}
	steps, err := checkSteps(spec, apps)
	return apps, steps, err
}

// listElements returns the parameters of the one list generator, each element decoded
// from its JSON as the list generator does.
func listElements(spec map[string]any) ([]map[string]any, error) {
	gens, _ := spec["generators"].([]any)
	var out []map[string]any
	for i, g := range gens {
		gen, _ := g.(map[string]any)
		list, ok := gen["list"].(map[string]any)
		if !ok || len(gen) != 1 {
			return nil, fmt.Errorf("generator %d: only a list generator (with nothing else) is mirrored", i+1)
		}
		for k := range list {
			if k != "elements" {
				return nil, fmt.Errorf("generator %d: list.%s is not mirrored", i+1, k)
			}
		}
		elements, _ := list["elements"].([]any)
		for _, e := range elements {
			raw, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			var params map[string]any
			if err := json.Unmarshal(raw, &params); err != nil {
				return nil, fmt.Errorf("generator %d: an element is not an object: %s", i+1, raw)
			}
			out = append(out, params)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no list elements")
	}
	return out, nil
}

// render executes one string as a Go template, as Argo CD's Replace does in goTemplate
// mode.
func render(text string, params map[string]any, options []string) (string, error) {
	t := template.New("base").Funcs(funcMap)
	for _, o := range options {
		t = t.Option(o)
	}
	parsed, err := t.Parse(text)
	if err != nil {
		return "", fmt.Errorf("failed to parse template %s: %w", text, err)
	}
	var buf bytes.Buffer
	if err := parsed.Execute(&buf, params); err != nil {
		return "", fmt.Errorf("failed to execute go template %s: %w", text, err)
	}
	return buf.String(), nil
}

// replaceDeep renders every string and map key below v; nil map values are dropped.
func replaceDeep(v any, params map[string]any, options []string) (any, error) {
	switch t := v.(type) {
	case string:
		return render(t, params, options)
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			if t[k] == nil {
				continue
			}
			value, err := replaceDeep(t[k], params, options)
			if err != nil {
				return nil, err
			}
			key, err := render(k, params, options)
			if err != nil {
				return nil, err
			}
			out[key] = value
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			value, err := replaceDeep(x, params, options)
			if err != nil {
				return nil, err
			}
			out[i] = value
		}
		return out, nil
	default:
		return v, nil
	}
}

// patchJSON reads a rendered templatePatch: JSON if it starts with `{`, else YAML read
// with go-yaml v2 as sigs.k8s.io/yaml YAMLToJSON does (utils.go ConvertYAMLToJSON).
func patchJSON(text string) (map[string]any, error) {
	var v any
	if s := strings.TrimSpace(text); s != "" && s[0] == '{' {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, err
		}
	} else if err := yaml2.Unmarshal([]byte(text), &v); err != nil {
		return nil, err
	}
	m, ok := normalize(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	return m, nil
}

// mergePatch applies patch to base as a strategic merge patch on a type without patch
// strategies but ObjectMeta's: maps merge, null deletes, lists replace, and
// metadata.finalizers merge (the union, base first).
func mergePatch(base, patch map[string]any, path string) error {
	for _, k := range sortedKeys(patch) {
		pv := patch[k]
		if strings.HasPrefix(k, "$") {
			return fmt.Errorf("%s.%s: strategic-merge directives are not mirrored", path, k)
		}
		if pv == nil {
			delete(base, k)
			continue
		}
		bm, baseIsMap := base[k].(map[string]any)
		pm, patchIsMap := pv.(map[string]any)
		switch {
		case baseIsMap && patchIsMap:
			if err := mergePatch(bm, pm, path+"."+k); err != nil {
				return err
			}
		case path == ".metadata" && k == "finalizers":
			union, _ := base[k].([]any)
			for _, f := range pv.([]any) {
				if !containsValue(union, f) {
					union = append(union, f)
				}
			}
			base[k] = union
		default:
			base[k] = dropNil(pv)
		}
	}
	return nil
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// dropNil removes null map values from a value the patch adds.
func dropNil(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if x != nil {
				out[k] = dropNil(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = dropNil(x)
		}
		return out
	default:
		return v
	}
}

func nested(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// checkSteps selects each Application's RollingSync step as the controller does and
// requires exactly one step per Application and no empty step.
func checkSteps(spec map[string]any, apps []map[string]any) (int, error) {
	strategy, _ := spec["strategy"].(map[string]any)
	if strategy == nil || strategy["type"] != "RollingSync" {
		return 0, fmt.Errorf("no RollingSync strategy")
	}
	rolling, _ := strategy["rollingSync"].(map[string]any)
	steps, _ := rolling["steps"].([]any)
	if len(steps) == 0 {
		return 0, fmt.Errorf("RollingSync has no steps")
	}
	hits := make([]int, len(steps))
	var problems []string
	for _, app := range apps {
		meta := app["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		var matched []int
		for i, s := range steps {
			step, _ := s.(map[string]any)
			exprs, _ := step["matchExpressions"].([]any)
			selected, err := stepSelects(exprs, labels)
			if err != nil {
				return 0, fmt.Errorf("step %d: %w", i+1, err)
			}
			if selected {
				matched = append(matched, i+1)
				hits[i]++
			}
		}
		if len(matched) != 1 {
			problems = append(problems, fmt.Sprintf("Application %v is in %d steps %v, not exactly one", meta["name"], len(matched), matched))
		}
	}
	for i, n := range hits {
		if n == 0 {
			problems = append(problems, fmt.Sprintf("step %d selects no Application", i+1))
		}
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return len(steps), nil
}

// stepSelects is the controller's test of one step against an Application's labels.
func stepSelects(exprs []any, labels map[string]any) (bool, error) {
	for _, e := range exprs {
		expr, _ := e.(map[string]any)
		key, _ := expr["key"].(string)
		operator, _ := expr["operator"].(string)
		if operator != "In" && operator != "NotIn" {
			// Argo CD logs an error and matches nothing with such an expression.
			return false, fmt.Errorf("operator %q: only In and NotIn are honoured", operator)
		}
		values, _ := expr["values"].([]any)
		value, present := labels[key]
		if !present {
			if operator == "In" {
				return false, nil
			}
			continue
		}
		in := false
		for _, v := range values {
			if v == value {
				in = true
				break
			}
		}
		if in != (operator == "In") {
			return false, nil
		}
	}
	return true, nil
}
