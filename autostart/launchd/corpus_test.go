package launchd_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/runner"
)

// sample is one row of testdata/corpus/MANIFEST.tsv.
type sample struct {
	file, tool, kind, status, source, macos, trimmed, expect, notes string
}

// corpus reads the manifest: every sample of real macOS output LimaBar
// reads, with its source.
func corpus(t *testing.T) []sample {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if want := "file\ttool\tkind\tstatus\tsource\tmacos\ttrimmed\texpect\tnotes"; lines[0] != want {
		t.Fatalf("manifest header %q, want %q", lines[0], want)
	}
	var out []sample
	for i, line := range lines[1:] {
		c := strings.Split(line, "\t")
		if len(c) != 9 {
			t.Fatalf("manifest line %d has %d columns, want 9: %q", i+2, len(c), line)
		}
		out = append(out, sample{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]})
	}
	return out
}

// expectations splits "k=v;k=v".
func expectations(t *testing.T, s string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("expectation %q is not key=value", kv)
		}
		m[k] = v
	}
	return m
}

// TestCorpusManifest: every sample has a source and a file, and every file
// is listed, so that no sample goes untested.
func TestCorpusManifest(t *testing.T) {
	samples := corpus(t)
	if len(samples) < 25 {
		t.Errorf("%d samples, want at least 25", len(samples))
	}
	listed := map[string]bool{}
	for _, s := range samples {
		if listed[s.file] {
			t.Errorf("%s listed twice", s.file)
		}
		listed[s.file] = true
		if s.source == "" || s.expect == "" {
			t.Errorf("%s: no source or no expectation", s.file)
		}
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "MANIFEST.tsv" && !listed[e.Name()] {
			t.Errorf("%s is not in MANIFEST.tsv", e.Name())
		}
	}
}

// TestCorpus parses every sample with the parser LimaBar uses for its tool
// and checks what the manifest says it must read.
func TestCorpus(t *testing.T) {
	for _, s := range corpus(t) {
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "corpus", s.file))
			if err != nil {
				t.Fatal(err)
			}
			want := expectations(t, s.expect)
			switch {
			case s.tool == "launchctl print":
				checkPrint(t, data, want)
			case s.tool == "launchctl print-disabled":
				checkPrintDisabled(t, data, want)
			case strings.HasPrefix(s.tool, "launchctl "):
				checkError(t, s, data, want)
			case s.tool == "osascript":
				checkOsascript(t, data, want)
			case s.tool == "plutil -lint":
				if got := launchd.LintOK(data); strconv.FormatBool(got) != want["ok"] {
					t.Errorf("LintOK = %v, want %s", got, want["ok"])
				}
			default:
				t.Fatalf("no parser for tool %q", s.tool)
			}
		})
	}
}

func checkPrint(t *testing.T, data []byte, want map[string]string) {
	t.Helper()
	p := launchd.ParsePrint(data)
	got := map[string]string{}
	if p.State != "" {
		got["state"] = p.State
	}
	if p.PID != 0 {
		got["pid"] = strconv.Itoa(p.PID)
	}
	if p.Runs != 0 {
		got["runs"] = strconv.Itoa(p.Runs)
	}
	if p.Exited {
		got["exit"] = strconv.Itoa(p.ExitCode)
	}
	if p.ExitText != "" {
		got["exittext"] = p.ExitText
	}
	if p.Signal != 0 {
		got["signal"] = strconv.Itoa(p.Signal)
		got["signaltext"] = p.SignalText
	}
	if p.ExitTimeout >= 0 {
		got["exittimeout"] = strconv.Itoa(p.ExitTimeout)
	}
	if p.SpawnType != "" {
		got["spawntype"] = p.SpawnType
	}
	got["health"] = string(health.FromJob(health.JobOf(p)).State)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (read %+v)", k, got[k], v, p)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("read %s = %q, which the manifest does not expect", k, v)
		}
	}
}

func checkPrintDisabled(t *testing.T, data []byte, want map[string]string) {
	t.Helper()
	got := launchd.ParsePrintDisabled(data)
	for _, key := range []string{"disabled", "enabled"} {
		for _, label := range strings.Split(want[key], ",") {
			if label == "" {
				continue
			}
			if d, ok := got[label]; !ok || d != (key == "disabled") {
				t.Errorf("%s: disabled=%v listed=%v, want %s", label, d, ok, key)
			}
		}
	}
	if n, _ := strconv.Atoi(want["count"]); len(got) != n {
		t.Errorf("%d overrides read, want %s: %v", len(got), want["count"], got)
	}
	for label := range got {
		if strings.HasPrefix(label, "version.") {
			t.Errorf("%s is a login item association, read as an override", label)
		}
	}
}

func checkError(t *testing.T, s sample, data []byte, want map[string]string) {
	t.Helper()
	status, _ := strconv.Atoi(s.status)
	e := launchd.ParseError(status, string(data))
	if string(e.Kind) != want["kind"] {
		t.Errorf("kind = %q, want %q (%+v)", e.Kind, want["kind"], e)
	}
	if c := strconv.Itoa(e.Code); c != want["code"] {
		t.Errorf("code = %s, want %s", c, want["code"])
	}
	if e.Message == "" {
		t.Error("no message read")
	}
}

// checkOsascript runs the sample through the osascript elevator, as the
// dialog's answer: only -128 is the user's Cancel.
func checkOsascript(t *testing.T, data []byte, want map[string]string) {
	t.Helper()
	f := &runner.Fake{Responses: []runner.Response{{Match: []string{"/usr/bin/osascript"}, Stderr: string(data), ExitCode: 1}}}
	err := elevate.Osascript{Runner: f}.RunAsRoot(context.Background(), "true", "LimaBar")
	if got := errors.Is(err, elevate.ErrCancelled); strconv.FormatBool(got) != want["cancelled"] {
		t.Errorf("cancelled = %v (%v), want %s", got, err, want["cancelled"])
	}
	if err == nil {
		t.Error("a failed osascript succeeded")
	}
}

// TestCorpusCoversTheTools: the corpus has samples of every tool and of the
// outcomes LimaBar must tell apart.
func TestCorpusCoversTheTools(t *testing.T) {
	var expects []string
	tools := map[string]int{}
	for _, s := range corpus(t) {
		tools[s.tool]++
		expects = append(expects, s.expect)
	}
	for _, tool := range []string{"launchctl print", "launchctl print-disabled", "launchctl bootstrap", "launchctl bootout", "launchctl kickstart", "launchctl enable", "osascript", "plutil -lint"} {
		if tools[tool] == 0 {
			t.Errorf("no sample of %s", tool)
		}
	}
	for _, want := range []string{"exittext=EX_CONFIG", "signal=9", "state=spawn scheduled", "kind=domain not supported", "kind=not loaded", "kind=in progress", "kind=not permitted", "cancelled=true", "ok=false"} {
		if !slices.ContainsFunc(expects, func(e string) bool { return strings.Contains(e, want) }) {
			t.Errorf("no sample with %s", want)
		}
	}
}
