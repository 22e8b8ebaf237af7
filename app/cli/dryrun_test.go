package cli

import (
	"context"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// engineBackend is the command line's Backend on the real engine, with
// instances in a temporary LIMA_HOME instead of limactl's list.
type engineBackend struct {
	m     *autostart.Manager
	insts []autostart.Instance
}

func (b *engineBackend) find(name string) autostart.Instance {
	for _, in := range b.insts {
		if in.Name == name {
			return in
		}
	}
	return autostart.Instance{Name: name}
}

func (b *engineBackend) Snapshot(ctx context.Context) state.Snapshot {
	sts, err := b.m.StatusAll(ctx, b.insts)
	if err != nil {
		panic(err)
	}
	s := state.Snapshot{Limactl: b.m.Env().Limactl}
	for i, in := range b.insts {
		s.Instances = append(s.Instances, state.Instance{Instance: lima.Instance{Name: in.Name, Status: "Stopped", Dir: in.Dir}, Autostart: sts[i]})
	}
	return s
}

func (b *engineBackend) EnableAs(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Result, error) {
	return b.m.Enable(ctx, b.find(name), c, o)
}

func (b *engineBackend) Disable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	return b.m.Disable(ctx, b.find(name), c)
}

func (b *engineBackend) Repair(ctx context.Context, name string) (autostart.Result, error) {
	return b.m.Repair(ctx, b.find(name))
}

func (b *engineBackend) Registered(ctx context.Context) ([]autostart.Registration, error) {
	return b.m.Registered(ctx)
}

func (b *engineBackend) PlanEnable(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Plan, error) {
	return b.m.PlanEnable(ctx, b.find(name), c, o)
}

func (b *engineBackend) PlanDisable(ctx context.Context, name string, c autostart.Condition) (autostart.Plan, error) {
	return b.m.PlanDisable(ctx, b.find(name), c)
}

func (b *engineBackend) PlanRepair(ctx context.Context, name string) (autostart.Plan, error) {
	return b.m.PlanRepair(ctx, b.find(name))
}

// recordingElevator records the scripts it is asked to run as root.
type recordingElevator struct{ scripts []string }

func (e *recordingElevator) RunAsRoot(_ context.Context, script, _ string) error {
	e.scripts = append(e.scripts, script)
	return nil
}

// dryRunMachine is a home with instances "default" and "other" under a
// temporary folder, a limactl, and the engine on it with a recording
// runner and elevator.
type dryRunMachine struct {
	tmp  string
	fake *runner.Fake
	elev *recordingElevator
	b    *engineBackend
	env  autostart.Env
}

func newDryRunMachine(t *testing.T, p autostart.Platform) *dryRunMachine {
	t.Helper()
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	limactl := filepath.Join(tmp, "bin", "limactl")
	mustDo(t, os.MkdirAll(filepath.Dir(limactl), 0o755))
	mustDo(t, os.WriteFile(limactl, []byte("#!/bin/sh\n"), 0o755))
	m := &dryRunMachine{tmp: tmp, fake: runner.NewFake(t), elev: &recordingElevator{}}
	var insts []autostart.Instance
	for _, name := range []string{"default", "other"} {
		in := autostart.Instance{Name: name, Dir: filepath.Join(home, ".lima", name)}
		mustDo(t, os.MkdirAll(in.Dir, 0o755))
		insts = append(insts, in)
	}
	m.env = autostart.Env{
		Platform:         p,
		Home:             home,
		ConfigHome:       filepath.Join(home, ".config"),
		StateDir:         filepath.Join(home, ".local", "state", "limabar"),
		LaunchDaemonsDir: filepath.Join(tmp, "root", "Library", "LaunchDaemons"),
		LingerDir:        filepath.Join(tmp, "root", "var", "lib", "systemd", "linger"),
		UID:              501,
		User:             ordinaryUser(t),
		Limactl:          limactl,
		LimaHome:         filepath.Join(home, ".lima"),
		Tools:            autostart.Tools{Launchctl: "launchctl", Plutil: "plutil", Systemctl: "systemctl", Loginctl: "loginctl"},
		ScriptTools:      elevate.PathTools,
		Runner:           m.fake,
		Elevator:         m.elev,
	}
	mgr, err := autostart.New(m.env)
	mustDo(t, err)
	m.b = &engineBackend{m: mgr, insts: insts}
	return m
}

// ordinaryUser is an account that exists here and is not root, as a boot
// job needs one.
func ordinaryUser(t *testing.T) string {
	for _, n := range []string{"nobody", "daemon"} {
		if u, err := user.Lookup(n); err == nil && u.Uid != "0" {
			return n
		}
	}
	t.Fatal("no ordinary account on this machine")
	return ""
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// limactlUnit writes the unit Lima v1.2.1's start-at-login writes for
// name, not enabled: it has no PATH and is not linked.
func (m *dryRunMachine) limactlUnit(t *testing.T, name string) {
	t.Helper()
	unit := "[Unit]\nDescription=Lima\n\n[Service]\nExecStart=" + m.env.Limactl + " start %i --foreground\n" +
		"WorkingDirectory=%h\nType=simple\nTimeoutSec=10\nRestart=on-failure\n\n[Install]\nWantedBy=default.target\n"
	path := filepath.Join(m.env.ConfigHome, "systemd", "user", "lima-vm@"+name+".service")
	mustDo(t, os.MkdirAll(filepath.Dir(path), 0o755))
	mustDo(t, os.WriteFile(path, []byte(unit), 0o644))
}

// tree is every file and link under root with its mode and content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	mustDo(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[p] = "link " + target
			return err
		case d.IsDir():
			out[p] = "dir " + fi.Mode().String()
			return nil
		}
		data, err := os.ReadFile(p)
		out[p] = fi.Mode().String() + " " + string(data)
		return err
	}))
	return out
}

// base64Block is the plist inside the privileged script, whose bytes
// depend on the temporary folder; the dry run shows the plist itself too.
var base64Block = regexp.MustCompile(`(?s)'printf' '%s\\n' '[A-Za-z0-9+/=\n ]+' \| 'base64'`)

// TestDryRunGoldens runs each dry run against the real engine, compares
// its output with the literal text in testdata, and checks that it
// changed no file and ran no command.
func TestDryRunGoldens(t *testing.T) {
	for _, tc := range []struct {
		golden   string
		platform autostart.Platform
		setup    func(t *testing.T, m *dryRunMachine)
		args     []string
		code     int
	}{
		{golden: "dry-run-linux-login.txt", platform: autostart.Linux,
			args: []string{"enable", "--condition=login", "--dry-run", "default"}},
		{golden: "dry-run-linux-login.json", platform: autostart.Linux,
			args: []string{"enable", "--condition=login", "--dry-run", "--json", "default"}},
		{golden: "dry-run-linux-boot.txt", platform: autostart.Linux,
			args: []string{"enable", "--condition=boot", "--dry-run", "default"}},
		{golden: "dry-run-darwin-boot.txt", platform: autostart.Darwin,
			args: []string{"enable", "--condition=boot", "--dry-run", "default"}},
		{golden: "dry-run-doctor-fix.txt", platform: autostart.Linux,
			setup: func(t *testing.T, m *dryRunMachine) { m.limactlUnit(t, "default"); m.limactlUnit(t, "other") },
			args:  []string{"doctor", "--fix", "--dry-run"}, code: 3},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			m := newDryRunMachine(t, tc.platform)
			if tc.setup != nil {
				tc.setup(t, m)
			}
			before := tree(t, m.tmp)
			code, stdout, stderr := run(m.b, tc.args...)
			if code != tc.code || stderr != "" {
				t.Fatalf("exit %d, stderr %q; want %d and nothing", code, stderr, tc.code)
			}
			got := base64Block.ReplaceAllString(stdout, `'printf' '%s\n' 'BASE64' | 'base64'`)
			got = strings.ReplaceAll(got, m.tmp, "/TMP")
			// The account's name, where the output names it.
			u := m.env.User
			got = strings.NewReplacer("enable-linger "+u+"\n", "enable-linger USER\n", `"user":"`+u+`"`, `"user":"USER"`,
				"<string>"+u+"</string>", "<string>USER</string>", " as "+u+"\n", " as USER\n").Replace(got)
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
