package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestUnitPassesSystemdAnalyze checks written units with systemd's own
// offline checker, including a limactl path with a space and a percent sign.
func TestUnitPassesSystemdAnalyze(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze")
	dir := t.TempDir()
	bin := filepath.Join(dir, "lima 100%", "limactl")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"plain", Params{Limactl: bin, PATH: "/usr/bin:/bin"}},
		{"custom LIMA_HOME", Params{Limactl: bin, PATH: filepath.Dir(bin) + ":/usr/bin", LimaHome: `/srv/"vms" $x 50%`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Unit(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), UnitName("default"))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s", err, out)
			}
		})
	}
	// The characters quoteWord refuses beyond control characters are the
	// ones systemd itself takes for unclean UTF-8: a unit holding one,
	// written by hand, loses its ExecStart=. Their neighbours, which
	// quoteWord keeps, pass.
	t.Run("systemd agrees on what a unit can hold", func(t *testing.T) {
		for _, tc := range []struct {
			char string
			ok   bool
		}{
			{"\xff", false}, {"\ufdd0", false}, {"\ufdef", false}, {"\ufffe", false}, {"\uffff", false}, {"\U0001FFFE", false},
			{"\ufdcf", true}, {"\ufdf0", true}, {"\ufffd", true}, {"\U0001FFFD", true},
		} {
			exe := filepath.Join(dir, "x"+tc.char, "limactl")
			if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(exe, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := quoteWord(exe); (err == nil) != tc.ok {
				t.Errorf("%+q: quoteWord gave %v, want ok=%v", tc.char, err, tc.ok)
			}
			unit := "[Unit]\nDescription=x\n\n[Service]\nExecStart=\"" + exe + "\" start %i --foreground\n\n[Install]\nWantedBy=default.target\n"
			path := filepath.Join(t.TempDir(), UnitName("default"))
			if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
			if accepted := err == nil && len(out) == 0; accepted != tc.ok {
				t.Errorf("%+q: systemd-analyze verify: %v\n%s\nwant accepted=%v", tc.char, err, out, tc.ok)
			}
		}
	})
	// The refusal must be for the missing limactl: an empty or unwritten
	// file fails verify too, for another reason ("Unit … is masked").
	t.Run("missing limactl is caught", func(t *testing.T) {
		missing := filepath.Join(dir, "nope", "limactl")
		data, err := Unit(Params{Limactl: missing, PATH: "/bin"})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), UnitName("x"))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
		if err == nil {
			t.Errorf("systemd-analyze accepted a unit whose limactl does not exist:\n%s", out)
		}
		if want := "Command " + missing + " is not executable"; !strings.Contains(string(out), want) {
			t.Errorf("systemd-analyze verify said\n%s\nwant it to hold %q", out, want)
		}
	})
}
