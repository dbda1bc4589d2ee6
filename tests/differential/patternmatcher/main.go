// Reference side of rbuild's .dockerignore differential test: reads one JSON case per line,
// {"patterns": [...], "paths": [...]}, and answers one JSON line per case with Go's
// patternmatcher verdicts (MatchesOrParentMatches) or the error New/Matches returned.
// Built at test time against Debian's golang-github-moby-patternmatcher-dev (GOPATH mode).
package main

import (
	"bufio"
	"encoding/json"
	"os"

	"github.com/moby/patternmatcher"
)

type testCase struct {
	Patterns []string `json:"patterns"`
	Paths    []string `json:"paths"`
}

type answer struct {
	Matches []bool `json:"matches"`
	Error   string `json:"error,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c testCase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			_ = out.Encode(answer{Error: "bad case: " + err.Error()})
			continue
		}
		pm, err := patternmatcher.New(c.Patterns)
		if err != nil {
			_ = out.Encode(answer{Error: err.Error()})
			continue
		}
		a := answer{Matches: []bool{}}
		for _, p := range c.Paths {
			m, err := pm.MatchesOrParentMatches(p)
			if err != nil {
				a = answer{Error: err.Error()}
				break
			}
			a.Matches = append(a.Matches, m)
		}
		_ = out.Encode(a)
	}
}
