package main

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestGuardReportsUnguardedLinuxTools: every way the fixture runs a
// program the macOS runner lacks is reported, with its file and line.
func TestGuardReportsUnguardedLinuxTools(t *testing.T) {
	r, err := guard(context.Background(), "testdata/unguarded", []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"unguarded_test.go:30: runs systemd-analyze (exec.LookPath with a literal name), which the macOS runner image lacks",
		"unguarded_test.go:37: runs systemd-analyze (exec.Command with a literal name), which the macOS runner image lacks",
		"unguarded_test.go:38: runs /usr/bin/plistutil (exec.CommandContext with a literal name), which the macOS runner image lacks",
		"unguarded_test.go:39: runs desktop-file-validate (needTool, which passes it to exec with a literal name), which the macOS runner image lacks",
		"unguarded_test.go:40: runs setsid (a literal script, through timedRun, which passes it to exec), which the macOS runner image lacks",
		"unguarded_test.go:41: runs Xvfb (a literal script, through a shell's -c), which the macOS runner image lacks",
		"unguarded_test.go:42: runs dbus-daemon (exec.LookPath with a literal name), which the macOS runner image lacks",
		"unguarded_test.go:45: runs frobnicate (exec.Command with a literal name), which scripts/testenv/tools does not list",
	}
	if len(r.problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(r.problems), len(want), strings.Join(r.problems, "\n"))
	}
	for i, w := range want {
		if i >= len(r.problems) || !strings.HasPrefix(r.problems[i], w) {
			t.Errorf("problem %d does not start %q; problems:\n%s", i, w, strings.Join(r.problems, "\n"))
		}
	}
	for _, p := range r.problems {
		if !strings.Contains(p, "gate the test with testenv.Tool or move it to a _linux_test.go file") {
			t.Errorf("%q does not say how to gate it", p)
		}
	}
}

// TestGuardPassesGatedUses: testenv.Tool, programs a Mac has, a stand-in
// on PATH and a file built only on Linux pass, and the pass comes from
// reading the darwin file, not from reading nothing.
func TestGuardPassesGatedUses(t *testing.T) {
	r, err := guard(context.Background(), "testdata/gated", []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.problems) > 0 {
		t.Errorf("problems in gated uses:\n%s", strings.Join(r.problems, "\n"))
	}
	if want := []string{"gated_test.go"}; !slices.Equal(r.files, want) {
		t.Errorf("read %q, want %q (gated_linux_test.go is not compiled for darwin)", r.files, want)
	}
}

// TestRepositoryTestsRunNoLinuxToolOnAMac is the guard on this module: no
// test compiled for darwin runs a program the macOS runner lacks outside
// the gate.
func TestRepositoryTestsRunNoLinuxToolOnAMac(t *testing.T) {
	r, err := guard(context.Background(), "../..", []string{"./..."})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.problems) > 0 {
		t.Errorf("tests compiled for darwin run programs the macOS runner lacks:\n%s", strings.Join(r.problems, "\n"))
	}
	// The guard must have read the files it exists for.
	for _, f := range []string{"autostart/systemd/verify_test.go", "bundle/app_test.go", "app/selfstart/selfstart_test.go", "autostart/runner/runner_test.go"} {
		if !slices.Contains(r.files, f) {
			t.Errorf("the guard did not read %s; it read %d files", f, len(r.files))
		}
	}
	if slices.Contains(r.files, "scripts/e2e/harness_test.go") {
		t.Error("the guard read scripts/e2e/harness_test.go, which is built on Linux only")
	}
}

// TestCheckerFailsOnUnguardedLinuxTool: the command make test runs fails
// on the fixture, naming the file and line, and passes on the gated one.
func TestCheckerFailsOnUnguardedLinuxTool(t *testing.T) {
	out, code := runChecker(t, "../..", "-patterns", "./scripts/darwincheck/testdata/unguarded", "-arch=", "-build=")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	want := "darwin tests: scripts/darwincheck/testdata/unguarded/unguarded_test.go:30: runs systemd-analyze (exec.LookPath with a literal name)"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q; output:\n%s", want, out)
	}
	if out, code := runChecker(t, "../..", "-patterns", "./scripts/darwincheck/testdata/gated", "-arch=", "-build=", "-v"); code != 0 || !strings.Contains(out, "darwin tests: 1 test files read, 0 problems") {
		t.Errorf("gated fixture: exit code %d, want 0 after reading 1 file; output:\n%s", code, out)
	}
}
