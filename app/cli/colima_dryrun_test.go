package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/colima"
)

// colimaDryRunMachine is the dry-run machine with a colima beside
// limactl and a Colima home (~/.colima) holding profile dev, which the
// command line names by its instance, colima-dev.
func colimaDryRunMachine(t *testing.T, p autostart.Platform) *dryRunMachine {
	t.Helper()
	m := newDryRunMachine(t, p)
	home := m.env.Home
	colimaBin := filepath.Join(m.tmp, "bin", "colima")
	mustDo(t, os.WriteFile(colimaBin, []byte("#!/bin/sh\n"), 0o755))
	dir := filepath.Join(colima.LimaHome(colima.DefaultHome(home)), "colima-dev")
	mustDo(t, os.MkdirAll(dir, 0o755))
	m.env.Colima = colimaBin
	m.env.ColimaHome = colima.DefaultHome(home)
	mgr, err := autostart.New(m.env)
	mustDo(t, err)
	m.b = &engineBackend{m: mgr, insts: append(m.b.insts, autostart.Instance{Name: "colima-dev", Dir: dir, Tool: autostart.ToolColima, Profile: "dev"})}
	return m
}

// TestColimaDryRunGoldens: the dry runs of Start at Login (Linux) and
// Start at Boot (macOS) of Colima profile dev, on the real engine,
// against literal text; they change no file and run no command.
func TestColimaDryRunGoldens(t *testing.T) {
	for _, tc := range []struct {
		golden   string
		platform autostart.Platform
		args     []string
	}{
		{"dry-run-colima-linux-login.txt", autostart.Linux, []string{"enable", "--condition=login", "--dry-run", "colima-dev"}},
		{"dry-run-colima-darwin-boot.txt", autostart.Darwin, []string{"enable", "--condition=boot", "--dry-run", "colima-dev"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			m := colimaDryRunMachine(t, tc.platform)
			before := tree(t, m.tmp)
			code, stdout, stderr := run(m.b, tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, stderr)
			}
			got := base64Block.ReplaceAllString(stdout, `'printf' '%s\n' 'BASE64' | 'base64'`)
			got = strings.ReplaceAll(got, m.tmp, "/TMP")
			u := m.env.User
			got = strings.NewReplacer("<string>"+u+"</string>", "<string>USER</string>", " as "+u+"\n", " as USER\n").Replace(got)
			want, err := os.ReadFile(filepath.Join("testdata", tc.golden))
			mustDo(t, err)
			if got != string(want) {
				t.Errorf("output differs from testdata/%s:\n%s", tc.golden, got)
			}
			after := tree(t, m.tmp)
			if len(after) != len(before) {
				t.Errorf("the dry run changed the files: %d entries before, %d after", len(before), len(after))
			}
			for k, v := range before {
				if after[k] != v {
					t.Errorf("the dry run changed %s", k)
				}
			}
			if len(m.fake.Calls) != 0 {
				t.Errorf("the dry run ran %q", m.fake.Argvs())
			}
			if len(m.elev.scripts) != 0 {
				t.Errorf("the dry run ran %d privileged scripts", len(m.elev.scripts))
			}
		})
	}
}
