package main

// jq FILE: each line of FILE is a jq path expression; prints one line per expression,
// "ok" or "error: <why>", as Argo CD's diff normalizer sees it: it parses
// `del(<expression>)` with gojq and compiles it, and an error there fails the
// Application's comparison (argo-cd v3.5.1 util/argo/normalizers/diff_normalizer.go:162).

import (
	"bufio"
	"fmt"
	"os"

	"github.com/itchyny/gojq"
)

func cmdJQ(file string) []string {
	f, err := os.Open(file)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		expression := scanner.Text()
		query, err := gojq.Parse(fmt.Sprintf("del(%s)", expression))
		if err == nil {
			_, err = gojq.Compile(query)
		}
		if err != nil {
			fmt.Printf("error: %v\n", err)
		} else {
			fmt.Println("ok")
		}
	}
	if err := scanner.Err(); err != nil {
		return []string{err.Error()}
	}
	return nil
}
