package autostart

import (
	"context"
	"encoding/base64"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/runner"
)

// TestDarwinBootStatusProblems installs a LaunchDaemon the way LimaBar
// writes it, spoils one thing at a time (in the plist, on the file, or in
// what launchctl answers) and checks that the boot status names exactly that
// deviation by its code, and that the daemon still shows as on: a broken
// registration is something to repair, never "off".
//
// The owner check reads the file's real owner. As root the test file is
// root's, as launchd wants it; as anyone else it is not, and owner is then
// expected in every case, in its place after the plist's own problems.
func TestDarwinBootStatusProblems(t *testing.T) {
	const label = "io.lima-vm.daemon.default"
	notLoaded := runner.Response{Match: []string{"launchctl", "print", "system/" + label}, ExitCode: 113,
		Stderr: `Could not find service "` + label + `" in domain for system`}
	overridden := runner.Response{Match: []string{"launchctl", "print-disabled", "system"},
		Stdout: "disabled services = {\n\t\"com.apple.ftpd\" => disabled\n\t\"" + label + "\" => disabled\n}\n"}
	overriddenOld := runner.Response{Match: []string{"launchctl", "print-disabled", "system"},
		Stdout: "disabled services = {\n\t\"" + label + "\" => true\n}\n"}
	enabledOverride := runner.Response{Match: []string{"launchctl", "print-disabled", "system"},
		Stdout: "disabled services = {\n\t\"" + label + "\" => enabled\n}\n"}
	for _, tc := range []struct {
		name string
		// spoil changes the daemon LimaBar would write.
		spoil func(j *launchd.Job)
		mode  os.FileMode
		// chown gives the file to uid 501 (only root can; as anyone else
		// the file is not root's anyway).
		chown     bool
		responses []runner.Response
		// plist are the codes of the plist's own problems, file those of
		// the file after the owner, launchctl those from launchd's answers.
		plist, file, launchctl []string
	}{
		{name: "as written"},
		{name: "mode 0600", mode: 0o600, file: []string{problem.Mode}},
		{name: "mode 0664", mode: 0o664, file: []string{problem.Mode}},
		{name: "mode 0755", mode: 0o755, file: []string{problem.Mode}},
		{name: "owner not root", chown: true},
		{name: "UserName missing", spoil: func(j *launchd.Job) { j.UserName = "" }, plist: []string{problem.UserName}},
		{name: "UserName root", spoil: func(j *launchd.Job) { j.UserName = "root" }, plist: []string{problem.UserName}},
		{name: "HOME missing", spoil: func(j *launchd.Job) { delete(j.EnvironmentVariables, "HOME") }, plist: []string{problem.Home}},
		{name: "USER missing", spoil: func(j *launchd.Job) { delete(j.EnvironmentVariables, "USER") }, plist: []string{problem.Home}},
		{name: "HOME empty", spoil: func(j *launchd.Job) { j.EnvironmentVariables["HOME"] = "" }, plist: []string{problem.Home}},
		{name: "not loaded", responses: []runner.Response{notLoaded}, launchctl: []string{problem.NotLoaded}},
		{name: "disable override", responses: []runner.Response{overridden}, launchctl: []string{problem.DisabledOverride}},
		{name: "disable override, older macOS", responses: []runner.Response{overriddenOld}, launchctl: []string{problem.DisabledOverride}},
		{name: "enable override", responses: []runner.Response{enabledOverride}},
		{name: "overridden and not loaded", responses: []runner.Response{overridden, notLoaded},
			launchctl: []string{problem.DisabledOverride, problem.NotLoaded}},
		{name: "root without HOME, group-writable", mode: 0o664,
			spoil: func(j *launchd.Job) { j.UserName = "root"; delete(j.EnvironmentVariables, "HOME") },
			plist: []string{problem.UserName, problem.Home}, file: []string{problem.Mode}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Darwin)
			// launchd as it is after the daemon was bootstrapped: no
			// override of its own, loaded and running. A case's answers
			// come first and win.
			f.fake.Expect(tc.responses...)
			f.fake.Expect(printDisabled("system", "com.apple.ftpd", "disabled"), printLoaded(label, f.daemonPath()))
			job := launchd.Daemon(launchd.Params{Name: "default", InstanceDir: f.inst.Dir, Limactl: f.limctl, Home: f.env.Home, User: f.env.User})
			if tc.spoil != nil {
				tc.spoil(&job)
			}
			data, err := launchd.Encode(job)
			must(t, err)
			must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
			must(t, os.WriteFile(f.daemonPath(), data, 0o644))
			mode := tc.mode
			if mode == 0 {
				mode = 0o644
			}
			// Set apart from the umask that WriteFile obeys.
			must(t, os.Chmod(f.daemonPath(), mode))
			root := os.Geteuid() == 0
			if tc.chown && root {
				must(t, os.Chown(f.daemonPath(), 501, 20))
			}

			st, err := f.m.Status(context.Background(), f.inst)
			must(t, err)
			want := append([]string{}, tc.plist...)
			if !root || tc.chown {
				want = append(want, problem.Owner)
			}
			want = append(append(want, tc.file...), tc.launchctl...)
			if got := codes(st.Boot.Problems); !slices.Equal(got, want) {
				t.Errorf("got problems %q, want %q\n%+v", got, want, st.Boot.Problems)
			}
			if !st.Boot.Enabled || st.Boot.Path != f.daemonPath() {
				t.Errorf("got boot %+v, want it on at %s", st.Boot, f.daemonPath())
			}
			if st.Login.Enabled {
				t.Errorf("got login %+v, want it off", st.Login)
			}
			// The answers must come from the system domain and the
			// daemon's own label, never the user's gui domain.
			for _, c := range f.fake.Argvs() {
				switch c {
				case "launchctl print-disabled system", "launchctl print system/" + label:
				default:
					t.Errorf("got call %q, want only print-disabled system and print system/%s", c, label)
				}
			}
		})
	}
}

// TestDarwinRepairRootDaemon repairs a daemon that runs the VM as root: the
// administrator prompt is asked once, and the plist the script carries runs
// the VM as the user, with HOME and USER of the user.
func TestDarwinRepairRootDaemon(t *testing.T) {
	f := newFixture(t, Darwin)
	f.fake.Expect(printDisabled("system"), printLoaded(daemonLabel, f.daemonPath()))
	job := launchd.Daemon(launchd.Params{Name: "default", InstanceDir: f.inst.Dir, Limactl: f.limctl, Home: f.env.Home, User: f.env.User})
	job.UserName = "root"
	job.EnvironmentVariables["USER"] = "root"
	data, err := launchd.Encode(job)
	must(t, err)
	must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
	must(t, os.WriteFile(f.daemonPath(), data, 0o644))

	res, err := f.m.Repair(context.Background(), f.inst)
	must(t, err)
	if !res.Changed || len(f.elev.scripts) != 1 {
		t.Fatalf("got %+v and %d scripts, want one reinstall", res, len(f.elev.scripts))
	}
	m := regexp.MustCompile(`(?s)'printf' '%s\\n' '([A-Za-z0-9+/=\n]+)' \| 'base64' '--decode'`).FindStringSubmatch(f.elev.scripts[0])
	if m == nil {
		t.Fatalf("no plist in the script:\n%s", f.elev.scripts[0])
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(m[1], "\n", ""))
	must(t, err)
	got, err := launchd.Decode(raw)
	must(t, err)
	if got.UserName != f.env.User || got.EnvironmentVariables["USER"] != f.env.User || got.EnvironmentVariables["HOME"] != f.env.Home {
		t.Errorf("got UserName %q, USER %q, HOME %q; want %q, %q, %q", got.UserName,
			got.EnvironmentVariables["USER"], got.EnvironmentVariables["HOME"], f.env.User, f.env.User, f.env.Home)
	}
}
