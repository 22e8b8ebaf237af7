package main

import (
	"bufio"
	"bytes"
	"log"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// faultResult is one test or subtest of the fault tests.
type faultResult struct {
	name    string
	outcome string // PASS, FAIL or SKIP
}

// faultRun is the outcome of the fault tests as `make test` runs them.
type faultRun struct {
	results []faultResult
	kill    []string // the kill -9 summaries the test logs
	took    time.Duration
	failed  bool
	output  string
}

var resultLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(`)

// faultFigures runs the fault tests with the flags of `make test` and keeps
// what they report.
func faultFigures(h *harness, root string, r *report) {
	cmd := exec.Command("go", "test", "-race", "-count=1", "-v", "-run", "^TestFault", "./autostart", "./scripts/e2e")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CI=true")
	began := time.Now()
	out, err := cmd.CombinedOutput()
	f := &faultRun{took: time.Since(began), failed: err != nil, output: string(out)}
	s := bufio.NewScanner(bytes.NewReader(out))
	inKill := false
	for s.Scan() {
		line := s.Text()
		if m := resultLine.FindStringSubmatch(line); m != nil {
			f.results = append(f.results, faultResult{name: m[2], outcome: m[1]})
			inKill = false
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.Contains(trimmed, ": seed ") && strings.Contains(trimmed, " runs in "):
			_, msg, _ := strings.Cut(trimmed, ": ")
			f.kill = append(f.kill, msg)
			inKill = true
		case inKill && strings.Contains(trimmed, " → "):
			f.kill[len(f.kill)-1] += "\n" + trimmed
		default:
			inKill = false
		}
	}
	r.faults = f
	log.Printf("fault tests: %d results in %s, failed=%v", len(f.results), f.took.Round(time.Second), f.failed)
	if f.failed {
		h.Errorf("the fault tests failed:\n%s", out)
	}
}
