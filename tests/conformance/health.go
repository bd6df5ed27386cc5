package main

// Health checks run as Argo CD runs a check from argocd-cm (util/lua/lua.go at v2.10.0
// and v3.5.1: runLua, ExecuteHealthLua, decodeValue, isValidHealthStatusCode):
//
//   - a fresh gopher-lua state without the standard libraries, then only package, base,
//     table and a "safe" os (time and date) opened: no string, math or io library, as
//     for every check that argocd-cm does not give useOpenLibs;
//   - a one-second timeout; the object as the global `obj` (numbers as Lua numbers,
//     json.Number as strings, anything else unknown as nil);
//   - the script's last value: a table is encoded as JSON (empty table → [], a table
//     with keys 1..n → array, string keys → object, anything else an error, as
//     layeh.com/gopher-json Encode) and decoded into {status, message}; a status that
//     is not one of Healthy, Progressing, Degraded, Suspended, Missing, Unknown becomes
//     Unknown "Lua returned an invalid health status".
//
// The two versions differ where the result is not a clean table: v2.10.0 fails on a
// decoding error or a nil result; v3.5.1 returns an empty status for nil and for a
// JSON type error (a message that is not a string, an empty table). A failure is what
// gitops-engine's GetResourceHealth reports: Unknown, with the error as the message.
//
// Debian packages an older gopher-lua than the one Argo CD links (v1.1.x); the base and
// table libraries these checks use behave the same in both.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	yaml3 "gopkg.in/yaml.v3"
)

const healthPrefix = "resource.customizations.health."

// result is the health Argo CD sees, and whether the check failed.
type result struct {
	Status  string
	Message string
	Failed  bool
}

func (r result) String() string {
	s := fmt.Sprintf("status %q, message %q", r.Status, r.Message)
	if r.Failed {
		s += " (the check failed)"
	}
	return s
}

// expectation is what a case says Argo CD must see; message is checked when given.
type expectation struct {
	Status  *string `yaml:"status"`
	Message *string `yaml:"message"`
	Failed  bool    `yaml:"failed"`
}

func (e expectation) holds(r result) bool {
	return e.Status != nil && *e.Status == r.Status &&
		(e.Message == nil || *e.Message == r.Message) && e.Failed == r.Failed
}

func (e expectation) String() string {
	r := result{Failed: e.Failed}
	if e.Status != nil {
		r.Status = *e.Status
	}
	s := fmt.Sprintf("status %q", r.Status)
	if e.Message != nil {
		s += fmt.Sprintf(", message %q", *e.Message)
	}
	if e.Failed {
		s += " (the check failed)"
	}
	return s
}

// fixtures is one file of tests/conformance/health: the object states a check is run
// against. Each case's object replaces the base's top-level keys (null removes one).
// expect holds for both versions unless expect-2.10 says otherwise for v2.10. lua, when
// given, is a script of the file's own (not one ladder emits) to run the cases with.
type fixtures struct {
	// Anchors that cases refer to; not read otherwise.
	Definitions any            `yaml:"definitions"`
	Lua         string         `yaml:"lua"`
	Base        map[string]any `yaml:"base"`
	Cases       []struct {
		Name    string         `yaml:"name"`
		Object  map[string]any `yaml:"object"`
		Expect  expectation    `yaml:"expect"`
		Expect2 *expectation   `yaml:"expect-2.10"`
	} `yaml:"cases"`
}

// cmdHealth runs every health check in the argocd-cm files against DIR/<key>.yaml (key
// without resource.customizations.health.), and every fixture file with a script of
// its own; a check without fixtures, or fixtures no check uses, is a problem.
func cmdHealth(dir string, files []string) []string {
	var problems []string
	type check struct{ key, lua, from string }
	var checks []check
	seen := map[string]bool{}
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
			m, _ := doc.(map[string]any)
			if m["kind"] != "ConfigMap" {
				continue
			}
			d, _ := m["data"].(map[string]any)
			for _, key := range sortedKeys(d) {
				script, _ := d[key].(string)
				if !strings.HasPrefix(key, healthPrefix) || seen[key+"\x00"+script] {
					continue
				}
				seen[key+"\x00"+script] = true
				checks = append(checks, check{strings.TrimPrefix(key, healthPrefix), script, file})
			}
		}
	}
	used := map[string]bool{}
	cases := 0
	for _, c := range checks {
		path := filepath.Join(dir, c.key+".yaml")
		fx, err := readFixtures(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: the health check %s%s has no fixtures: %v (add %s)", c.from, healthPrefix, c.key, err, path))
			continue
		}
		used[path] = true
		n, p := runFixtures(c.lua, fx, fmt.Sprintf("%s%s (from %s)", healthPrefix, c.key, c.from))
		cases += n
		problems = append(problems, p...)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		problems = append(problems, err.Error())
	}
	own := 0
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !strings.HasSuffix(e.Name(), ".yaml") || used[path] {
			continue
		}
		fx, err := readFixtures(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		if fx.Lua == "" {
			problems = append(problems, fmt.Sprintf("%s: no emitted health check uses these fixtures, and they give no lua of their own", path))
			continue
		}
		n, p := runFixtures(fx.Lua, fx, path)
		own++
		cases += n
		problems = append(problems, p...)
	}
	fmt.Printf("%d emitted health checks and %d of the fixtures' own, %d cases, each as Argo CD 2.10 and 3.5 run it\n", len(checks), own, cases)
	return problems
}

func readFixtures(path string) (*fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fx fixtures
	dec := yaml3.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&fx); err != nil {
		return nil, err
	}
	for i, c := range fx.Cases {
		if c.Name == "" || c.Expect.Status == nil {
			return nil, fmt.Errorf("case %d needs a name and expect.status", i+1)
		}
	}
	return &fx, nil
}

// runFixtures runs script on every case, as both versions; it returns the number of
// cases and the problems.
func runFixtures(script string, fx *fixtures, what string) (int, []string) {
	var problems []string
	for _, c := range fx.Cases {
		obj := map[string]any{}
		for k, v := range fx.Base {
			obj[k] = v
		}
		for k, v := range c.Object {
			if v == nil {
				delete(obj, k)
			} else {
				obj[k] = v
			}
		}
		obj = normalize(obj).(map[string]any)
		want2 := c.Expect
		if c.Expect2 != nil {
			want2 = *c.Expect2
		}
		for _, run := range []struct {
			version string
			v3      bool
			want    expectation
		}{{"3.5", true, c.Expect}, {"2.10", false, want2}} {
			got := runHealth(script, obj, run.v3)
			if !run.want.holds(got) {
				problems = append(problems, fmt.Sprintf("%s, case %q, as Argo CD %s runs it: got %v, want %v", what, c.Name, run.version, got, run.want))
			}
		}
	}
	return len(fx.Cases), problems
}

func runHealth(script string, obj map[string]any, v3 bool) result {
	failed := func(err error) result {
		return result{Status: "Unknown", Message: err.Error(), Failed: true}
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openSafeOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return failed(err)
		}
	}
	l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
		l.Push(l.SetFuncs(l.NewTable(), safeOs))
		return 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(script); err != nil {
		return failed(err)
	}
	ret := l.Get(-1)
	switch ret.Type() {
	case lua.LTTable:
		data, err := encodeJSON(ret, map[*lua.LTable]bool{})
		if err != nil {
			return failed(err)
		}
		var hs HealthStatus
		raw, err := json.Marshal(data)
		if err != nil {
			return failed(err)
		}
		if err := json.Unmarshal(raw, &hs); err != nil {
			var typeErr *json.UnmarshalTypeError
			if v3 && errors.As(err, &typeErr) {
				return result{}
			}
			return failed(err)
		}
		switch hs.Status {
		case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
			return result{Status: hs.Status, Message: hs.Message}
		}
		return result{Status: "Unknown", Message: "Lua returned an invalid health status"}
	case lua.LTNil:
		if v3 {
			return result{}
		}
		return failed(fmt.Errorf("expect table output from Lua script, not nil"))
	default:
		return failed(fmt.Errorf("expect table output from Lua script, not %s", ret.Type()))
	}
}

// HealthStatus is what the script's table is decoded into, named as in gitops-engine
// (pkg/health) so that decoding errors read as Argo CD reports them.
type HealthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// safeOs is the os library Argo CD opens for checks: time and date only. The harness
// gives os.time() (no table argument) and refuses os.date, which no check ladder emits
// needs.
var safeOs = map[string]lua.LGFunction{
	"time": func(l *lua.LState) int {
		if l.GetTop() != 0 {
			l.RaiseError("os.time with an argument is not mirrored by the conformance harness")
		}
		l.Push(lua.LNumber(time.Now().Unix()))
		return 1
	},
	"date": func(l *lua.LState) int {
		l.RaiseError("os.date is not mirrored by the conformance harness")
		return 0
	},
}

func openSafeOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.OsLibName, safeOs))
	return 1
}

// decodeValue turns the object into Lua values as Argo CD does.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, x := range v {
			t.Append(decodeValue(l, x))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, x := range v {
			t.RawSetH(lua.LString(k), decodeValue(l, x))
		}
		return t
	}
	return lua.LNil
}

// encodeJSON turns a Lua value into a JSON-shaped Go value, with the rules and errors
// of the encoder Argo CD uses.
func encodeJSON(v lua.LValue, visited map[*lua.LTable]bool) (any, error) {
	switch t := v.(type) {
	case lua.LBool:
		return bool(t), nil
	case lua.LNumber:
		return float64(t), nil
	case *lua.LNilType:
		return nil, nil
	case lua.LString:
		return string(t), nil
	case *lua.LTable:
		if visited[t] {
			return nil, errors.New("cannot encode recursively nested tables to JSON")
		}
		visited[t] = true
		key, value := t.Next(lua.LNil)
		switch key.Type() {
		case lua.LTNil:
			return []any{}, nil
		case lua.LTNumber:
			var arr []any
			expected := lua.LNumber(1)
			for key != lua.LNil {
				if key.Type() != lua.LTNumber {
					return nil, errors.New("cannot encode mixed or invalid key types")
				}
				if key != expected {
					return nil, errors.New("cannot encode sparse array")
				}
				x, err := encodeJSON(value, visited)
				if err != nil {
					return nil, err
				}
				arr = append(arr, x)
				expected++
				key, value = t.Next(key)
			}
			return arr, nil
		case lua.LTString:
			obj := map[string]any{}
			for key != lua.LNil {
				if key.Type() != lua.LTString {
					return nil, errors.New("cannot encode mixed or invalid key types")
				}
				x, err := encodeJSON(value, visited)
				if err != nil {
					return nil, err
				}
				obj[key.String()] = x
				key, value = t.Next(key)
			}
			return obj, nil
		default:
			return nil, errors.New("cannot encode mixed or invalid key types")
		}
	default:
		return nil, fmt.Errorf("cannot encode %s to JSON", v.Type())
	}
}
