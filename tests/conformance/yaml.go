package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
)

// cmdYAML reads every file with go-yaml v3 and v2 and fails on a file either rejects or
// on a document the two read differently (a YAML 1.1 reading such as `on` → true).
func cmdYAML(files []string) []string {
	var problems []string
	documents := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		n, err := readBoth(data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		documents += n
	}
	fmt.Printf("%d files, %d documents: read alike by go-yaml v3 and v2\n", len(files), documents)
	return problems
}

// cmdJSON prints every document of each file as go-yaml v3 reads it, one JSON line per
// document, after checking that v2 reads it alike: for tests that compare what kubectl and
// Argo CD read with what ladder meant to write.
func cmdJSON(files []string) []string {
	var problems []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if _, err := readBoth(data); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		docs, _ := decodeV3(data)
		for _, doc := range docs {
			line, err := json.Marshal(doc)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", file, err))
				continue
			}
			fmt.Println(string(line))
		}
	}
	return problems
}

// readBoth decodes every document of data with both readers and compares them as JSON.
func readBoth(data []byte) (int, error) {
	v3, err := decodeV3(data)
	if err != nil {
		return 0, fmt.Errorf("go-yaml v3: %w", err)
	}
	v2, err := decodeV2(data)
	if err != nil {
		return 0, fmt.Errorf("go-yaml v2 (sigs.k8s.io/yaml): %w", err)
	}
	if len(v2) != len(v3) {
		return 0, fmt.Errorf("go-yaml v3 reads %d documents, v2 %d", len(v3), len(v2))
	}
	for i := range v3 {
		a, err := json.Marshal(v3[i])
		if err != nil {
			return 0, fmt.Errorf("document %d: %w", i+1, err)
		}
		b, err := json.Marshal(v2[i])
		if err != nil {
			return 0, fmt.Errorf("document %d: %w", i+1, err)
		}
		if !bytes.Equal(a, b) {
			return 0, fmt.Errorf("document %d reads differently:\n  go-yaml v3: %s\n  go-yaml v2: %s", i+1, a, b)
		}
	}
	return len(v3), nil
}

// decodeV3 reads every document with go-yaml v3 (empty documents skipped).
func decodeV3(data []byte) ([]any, error) {
	return decodeAll(yaml3.NewDecoder(bytes.NewReader(data)))
}

// decodeV2 reads every document with go-yaml v2 (empty documents skipped).
func decodeV2(data []byte) ([]any, error) {
	return decodeAll(yaml2.NewDecoder(bytes.NewReader(data)))
}

// decodeAll reads every document of a stream with a go-yaml decoder, either version.
func decodeAll(dec interface{ Decode(any) error }) ([]any, error) {
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if v != nil {
			docs = append(docs, normalize(v))
		}
	}
}

// normalize turns decoded YAML into JSON-shaped values: maps with string keys (as
// sigs.k8s.io/yaml converts keys), ints as int64.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normalize(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[keyString(k)] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x)
		}
		return out
	case int:
		return int64(t)
	case uint64:
		return int64(t)
	default:
		return v
	}
}

func keyString(k any) string {
	switch t := k.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	default:
		return fmt.Sprint(t)
	}
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
