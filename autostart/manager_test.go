package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/runner"
)

// fixture is a home, a LIMA_HOME with one instance and a limactl, all in a
// temporary folder, with a fake runner and elevator. Its helpers take
// testing.TB so that benchmarks build the same world as the tests.
type fixture struct {
	env    Env
	fake   *runner.Fake
	elev   *fakeElevator
	inst   Instance
	m      *Manager
	tmp    string
	limctl string
}

type fakeElevator struct {
	scripts []string
	prompts []string
	err     error
	// run, when set, carries out the script (e.g. writes the daemon file).
	run func(script string) error
}

func (f *fakeElevator) RunAsRoot(_ context.Context, script, prompt string) error {
	f.scripts = append(f.scripts, script)
	f.prompts = append(f.prompts, prompt)
	if f.err != nil {
		return f.err
	}
	if f.run != nil {
		return f.run(script)
	}
	return nil
}

// someUser is an ordinary account that exists on the test machine.
func someUser(t testing.TB) string {
	t.Helper()
	for _, n := range []string{"nobody", "daemon"} {
		if u, err := user.Lookup(n); err == nil && u.Uid != "0" {
			return n
		}
	}
	t.Fatal("no ordinary account on this machine")
	return ""
}

func newFixture(t testing.TB, p Platform) *fixture {
	t.Helper()
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	limactl := filepath.Join(tmp, "bin", "limactl")
	must(t, os.MkdirAll(filepath.Dir(limactl), 0o755))
	must(t, os.WriteFile(limactl, []byte("#!/bin/sh\n"), 0o755))
	inst := Instance{Name: "default", Dir: filepath.Join(home, ".lima", "default")}
	must(t, os.MkdirAll(inst.Dir, 0o755))
	f := &fixture{fake: runner.NewFake(t), elev: &fakeElevator{}, inst: inst, tmp: tmp, limctl: limactl}
	f.env = Env{
		Platform:         p,
		Home:             home,
		ConfigHome:       filepath.Join(home, ".config"),
		StateDir:         filepath.Join(home, ".local", "state", "limabar"),
		LaunchDaemonsDir: filepath.Join(tmp, "root", "Library", "LaunchDaemons"),
		LingerDir:        filepath.Join(tmp, "root", "var", "lib", "systemd", "linger"),
		UID:              501,
		User:             someUser(t),
		Limactl:          limactl,
		LimaHome:         filepath.Join(home, ".lima"),
		Tools:            Tools{Launchctl: "launchctl", Plutil: "plutil", Systemctl: "systemctl", Loginctl: "loginctl"},
		ScriptTools:      elevate.PathTools,
		Runner:           f.fake,
		Elevator:         f.elev,
	}
	f.rebuild(t)
	return f
}

// answer declares a command that succeeds with the given stderr and no
// output: launchctl enable, disable, bootstrap and bootout and loginctl
// print nothing when they succeed, systemctl enable and disable say what
// they linked on stderr.
func answer(stderr string, argv ...string) runner.Response {
	return runner.Response{Match: argv, Stderr: stderr}
}

// printDisabled is `launchctl print-disabled DOMAIN` listing the overrides
// given as label, state pairs ("enabled" or "disabled", as macOS 11 and
// later print them).
func printDisabled(domain string, pairs ...string) runner.Response {
	var b strings.Builder
	b.WriteString("disabled services = {\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "\t%q => %s\n", pairs[i], pairs[i+1])
	}
	b.WriteString("}\n")
	return runner.Response{Match: []string{"launchctl", "print-disabled", domain}, Stdout: b.String()}
}

// printLoaded is `launchctl print system/LABEL` of a loaded daemon whose
// process runs, cut to the top-level lines launchd.ParsePrint reads and a
// few around them.
func printLoaded(label, plist string) runner.Response {
	return runner.Response{Match: []string{"launchctl", "print", "system/" + label}, Stdout: "system/" + label + " = {\n" +
		"\tactive count = 1\n\tpath = " + plist + "\n\ttype = LaunchDaemon\n\tstate = running\n\n" +
		"\tprogram = /opt/homebrew/bin/limactl\n\truns = 1\n\tpid = 812\n\tlast exit code = (never exited)\n}\n"}
}

const (
	agentLabel  = "io.lima-vm.autostart.default"
	daemonLabel = "io.lima-vm.daemon.default"
)

// darwinAgentAnswers declares what launchctl answers to LimaBar's login
// agent: enable and disable succeed, and print-disabled shows the enable
// override that `launchctl enable` leaves.
func darwinAgentAnswers() []runner.Response {
	return []runner.Response{
		answer("", "launchctl", "enable", "gui/501/"+agentLabel),
		answer("", "launchctl", "disable", "gui/501/"+agentLabel),
		printDisabled("gui/501", agentLabel, "enabled"),
	}
}

// linuxUnitAnswers declares what systemctl --user answers to LimaBar's unit
// of default.
func (f *fixture) linuxUnitAnswers() []runner.Response {
	dir := filepath.Dir(f.unitPath())
	return []runner.Response{
		answer("Created symlink "+filepath.Join(dir, "default.target.wants", "lima-vm@default.service")+" → "+f.unitPath()+".\n",
			"systemctl", "--user", "enable", "--no-reload", "lima-vm@default.service"),
		answer("Removed \""+filepath.Join(dir, "default.target.wants", "lima-vm@default.service")+"\".\n",
			"systemctl", "--user", "disable", "--no-reload", "lima-vm@default.service"),
		answer("", "systemctl", "--user", "daemon-reload"),
		answer("", "systemctl", "--user", "reset-failed", "lima-vm@default.service"),
	}
}

func (f *fixture) rebuild(t testing.TB) {
	t.Helper()
	m, err := New(f.env)
	must(t, err)
	f.m = m
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func codes(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func (f *fixture) agentPath() string {
	return filepath.Join(f.env.Home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
}

func (f *fixture) daemonPath() string {
	return filepath.Join(f.env.LaunchDaemonsDir, "io.lima-vm.daemon.default.plist")
}

func (f *fixture) unitPath() string {
	return filepath.Join(f.env.ConfigHome, "systemd", "user", "lima-vm@default.service")
}

func TestDarwinLoginEnableDisable(t *testing.T) {
	f := newFixture(t, Darwin)
	f.fake.Expect(darwinAgentAnswers()...)
	ctx := context.Background()
	res, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	if !res.Changed || res.SwitchedFrom != "" {
		t.Errorf("result = %+v", res)
	}
	data, err := os.ReadFile(f.agentPath())
	must(t, err)
	job, err := launchd.Decode(data)
	must(t, err)
	if want := []string{f.limctl, "start", "default", "--foreground"}; !reflect.DeepEqual(job.ProgramArguments, want) {
		t.Errorf("ProgramArguments = %q, want %q", job.ProgramArguments, want)
	}
	if job.EnvironmentVariables["PATH"] != filepath.Dir(f.limctl)+":/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" {
		t.Errorf("PATH = %q", job.EnvironmentVariables["PATH"])
	}
	if _, ok := job.EnvironmentVariables["LIMA_HOME"]; ok {
		t.Error("LIMA_HOME written although it is the default")
	}
	if job.WorkingDirectory != f.inst.Dir || job.StandardErrorPath != filepath.Join(f.inst.Dir, "launchd.stderr.log") {
		t.Errorf("job = %+v", job)
	}
	if got, want := f.fake.Argvs(), []string{"launchctl enable gui/501/io.lima-vm.autostart.default"}; !reflect.DeepEqual(got, want) {
		t.Errorf("launchctl calls = %q, want %q", got, want)
	}
	st, err := f.m.Status(ctx, f.inst)
	must(t, err)
	if !st.Login.Enabled || len(st.Login.Problems) != 0 || st.Boot.Enabled {
		t.Errorf("status after enable = %+v", st)
	}

	f.fake.Calls = nil
	res, err = f.m.Disable(ctx, f.inst, Login)
	must(t, err)
	if !res.Changed {
		t.Errorf("disable result = %+v", res)
	}
	if _, err := os.Stat(f.agentPath()); !os.IsNotExist(err) {
		t.Errorf("agent still there: %v", err)
	}
	if got, want := f.fake.Argvs(), []string{"launchctl disable gui/501/io.lima-vm.autostart.default"}; !reflect.DeepEqual(got, want) {
		t.Errorf("launchctl calls = %q, want %q", got, want)
	}
}

func TestDarwinCustomLimaHomeIsPassed(t *testing.T) {
	f := newFixture(t, Darwin)
	f.fake.Expect(darwinAgentAnswers()...)
	f.env.LimaHome = filepath.Join(f.tmp, "vms & more")
	f.inst.Dir = filepath.Join(f.env.LimaHome, "default")
	must(t, os.MkdirAll(f.inst.Dir, 0o755))
	f.rebuild(t)
	_, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
	must(t, err)
	data, _ := os.ReadFile(f.agentPath())
	job, err := launchd.Decode(data)
	must(t, err)
	if job.EnvironmentVariables["LIMA_HOME"] != f.env.LimaHome {
		t.Errorf("LIMA_HOME = %q, want %q", job.EnvironmentVariables["LIMA_HOME"], f.env.LimaHome)
	}
}

func TestDarwinLoginRollbackWhenLaunchctlFails(t *testing.T) {
	for _, old := range []bool{false, true} {
		t.Run(map[bool]string{false: "new file", true: "existing file"}[old], func(t *testing.T) {
			f := newFixture(t, Darwin)
			var before []byte
			if old {
				before = []byte("<plist>old content written by limactl</plist>")
				must(t, os.MkdirAll(filepath.Dir(f.agentPath()), 0o755))
				must(t, os.WriteFile(f.agentPath(), before, 0o644))
			}
			f.fake.Responses = []runner.Response{{Match: []string{"launchctl", "enable"}, ExitCode: 1, Stderr: "Operation not permitted while System Integrity Protection is engaged"}}
			f.fake.Expect(printDisabled("gui/501"))
			_, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
			if err == nil || !strings.Contains(err.Error(), `"default"`) || !strings.Contains(err.Error(), "System Integrity Protection") {
				t.Fatalf("err = %v, want the instance name and launchctl's message", err)
			}
			got, rerr := os.ReadFile(f.agentPath())
			if old {
				if string(got) != string(before) {
					t.Errorf("old file not restored: %q (%v)", got, rerr)
				}
			} else if !os.IsNotExist(rerr) {
				t.Errorf("file left behind: %v", rerr)
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(f.agentPath()), ".*"))
			if len(leftovers) != 0 {
				t.Errorf("temporary files left: %q", leftovers)
			}
		})
	}
}

func TestDarwinStatusOfLimactlWrittenAgent(t *testing.T) {
	f := newFixture(t, Darwin)
	must(t, os.MkdirAll(filepath.Dir(f.agentPath()), 0o755))
	data, err := os.ReadFile("launchd/testdata/limactl-agent.plist")
	must(t, err)
	data = []byte(strings.ReplaceAll(string(data), "/Users/alice/.lima/default", f.inst.Dir))
	must(t, os.WriteFile(f.agentPath(), data, 0o644))
	f.fake.Responses = []runner.Response{{Match: []string{"launchctl", "print-disabled"},
		Stdout: "disabled services = {\n\t\"io.lima-vm.autostart.default\" => disabled\n}\n"}}
	st, err := f.m.Status(context.Background(), f.inst)
	must(t, err)
	if !st.Login.Enabled {
		t.Fatal("a limactl-written agent must show as enabled")
	}
	want := []string{problem.LimactlMissing, problem.PathMissing, problem.LogPaths, problem.StopTimeout, problem.ProcessType, problem.KeepAlive,
		problem.BundleID, problem.DisabledOverride}
	if got := codes(st.Login.Problems); !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}

	// Repair rewrites it with the current settings and clears the override.
	f.fake.Calls = nil
	f.fake.Responses = darwinAgentAnswers()
	res, err := f.m.Repair(context.Background(), f.inst)
	must(t, err)
	if !res.Changed {
		t.Errorf("repair result = %+v", res)
	}
	st, err = f.m.Status(context.Background(), f.inst)
	must(t, err)
	if !st.Login.Enabled || len(st.Login.Problems) != 0 {
		t.Errorf("after repair: %+v", st.Login)
	}
}

func TestDarwinUnparseableAgent(t *testing.T) {
	f := newFixture(t, Darwin)
	f.fake.Expect(printDisabled("gui/501"))
	must(t, os.MkdirAll(filepath.Dir(f.agentPath()), 0o755))
	must(t, os.WriteFile(f.agentPath(), []byte("<plist><dict>"), 0o644))
	st, err := f.m.Status(context.Background(), f.inst)
	must(t, err)
	if !st.Login.Enabled || !reflect.DeepEqual(codes(st.Login.Problems), []string{problem.Unparseable}) {
		t.Errorf("status = %+v", st.Login)
	}
}

func TestDarwinBootThroughElevator(t *testing.T) {
	f := newFixture(t, Darwin)
	f.fake.Expect(darwinAgentAnswers()...)
	f.fake.Expect(printDisabled("system"), printLoaded(daemonLabel, f.daemonPath()))
	ctx := context.Background()
	// Login first, then boot: one call switches over.
	_, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	f.elev.run = func(script string) error {
		// Stand in for root: install what the script carries.
		if strings.Contains(script, "bootstrap") {
			must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
			return os.WriteFile(f.daemonPath(), []byte("installed"), 0o644)
		}
		return os.Remove(f.daemonPath())
	}
	res, err := f.m.Enable(ctx, f.inst, Boot, EnableOptions{})
	must(t, err)
	if res.SwitchedFrom != "login" || !strings.Contains(res.Message, "instead of at login") {
		t.Errorf("result = %+v", res)
	}
	if len(f.elev.prompts) != 1 || f.elev.prompts[0] != "LimaBar wants to make default start at boot." {
		t.Errorf("prompts = %q", f.elev.prompts)
	}
	if !strings.Contains(f.elev.scripts[0], "io.lima-vm.daemon.default") {
		t.Errorf("script does not name the label:\n%s", f.elev.scripts[0])
	}
	if _, err := os.Stat(f.agentPath()); !os.IsNotExist(err) {
		t.Error("login agent still there after switching to boot")
	}

	// Back to login, but the user cancels the prompt: nothing changes.
	f.elev.err = elevate.ErrCancelled
	_, err = f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if _, err := os.Stat(f.agentPath()); !os.IsNotExist(err) {
		t.Error("agent left behind after a cancelled switch")
	}
	if _, err := os.Stat(f.daemonPath()); err != nil {
		t.Error("daemon gone after a cancelled switch")
	}
}

func TestDarwinBootRefusesRoot(t *testing.T) {
	f := newFixture(t, Darwin)
	for _, u := range []string{"root", "no-such-user-here"} {
		_, err := f.m.Enable(context.Background(), f.inst, Boot, EnableOptions{User: u})
		if err == nil {
			t.Errorf("--user %s accepted", u)
		}
	}
	if len(f.elev.scripts) != 0 {
		t.Errorf("elevator asked although the user was refused: %d scripts", len(f.elev.scripts))
	}
}

func TestInvalidNamesTouchNothing(t *testing.T) {
	for _, p := range []Platform{Darwin, Linux} {
		f := newFixture(t, p)
		for _, name := range []string{"../x", "a b", "$(id)", "", strings.Repeat("a", 77), "a..b", "-a", "a/b", "a\nb"} {
			inst := Instance{Name: name}
			if _, err := f.m.Enable(context.Background(), inst, Login, EnableOptions{}); !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s: Enable(%q) err = %v", p, name, err)
			}
			if _, err := f.m.Disable(context.Background(), inst, Boot); !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s: Disable(%q) err = %v", p, name, err)
			}
			if _, err := f.m.Status(context.Background(), inst); !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s: Status(%q) err = %v", p, name, err)
			}
		}
		if len(f.fake.Calls) != 0 || len(f.elev.scripts) != 0 {
			t.Errorf("%s: commands ran for invalid names: %q", p, f.fake.Argvs())
		}
		entries, _ := os.ReadDir(f.env.Home)
		for _, e := range entries {
			if e.Name() != ".lima" {
				t.Errorf("%s: %s written for an invalid name", p, e.Name())
			}
		}
	}
	if err := ValidateName(strings.Repeat("a", 76)); err != nil {
		t.Errorf("76 characters refused: %v", err)
	}
}

func TestLinuxLoginEnableDisable(t *testing.T) {
	f := newFixture(t, Linux)
	f.fake.Expect(f.linuxUnitAnswers()...)
	ctx := context.Background()
	_, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	if got, want := f.fake.Argvs(), []string{
		"systemctl --user enable --no-reload lima-vm@default.service",
		"systemctl --user daemon-reload",
		"systemctl --user reset-failed lima-vm@default.service",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	data, err := os.ReadFile(f.unitPath())
	must(t, err)
	if !strings.Contains(string(data), "ExecStart=\""+f.limctl+"\" start %i --foreground\n") {
		t.Errorf("unit:\n%s", data)
	}
	f.fake.Calls = nil
	_, err = f.m.Disable(ctx, f.inst, Login)
	must(t, err)
	if got, want := f.fake.Argvs(), []string{
		"systemctl --user disable --no-reload lima-vm@default.service",
		"systemctl --user daemon-reload",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
		t.Error("unit still there")
	}
}

func TestLinuxRollbackWhenSystemctlFails(t *testing.T) {
	// A failed reload keeps the change (TestFaultReloadKeepsTheChange).
	for _, step := range []string{"enable"} {
		t.Run(step, func(t *testing.T) {
			f := newFixture(t, Linux)
			f.fake.Responses = []runner.Response{{Match: []string{"systemctl", "--user", step}, ExitCode: 1, Stderr: "Failed to connect to bus: No medium found"}}
			f.fake.Expect(answer("", "systemctl", "--user", "daemon-reload"))
			_, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
			if err == nil || !strings.Contains(err.Error(), "No medium found") || !strings.Contains(err.Error(), `"default"`) {
				t.Fatalf("err = %v", err)
			}
			if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
				t.Error("unit left behind")
			}
		})
	}
}

func TestLinuxStatusProblems(t *testing.T) {
	f := newFixture(t, Linux)
	must(t, os.MkdirAll(filepath.Dir(f.unitPath()), 0o755))
	old := "[Unit]\nDescription=Lima\n[Service]\nExecStart=/gone/limactl start %i --foreground\n[Install]\nWantedBy=multi-user.target\n"
	must(t, os.WriteFile(f.unitPath(), []byte(old), 0o644))
	st, err := f.m.Status(context.Background(), f.inst)
	must(t, err)
	want := []string{problem.LimactlMissing, problem.PathMissing, problem.StopTimeout, problem.KeepAlive, problem.WrongTarget}
	if !st.Login.Enabled || !reflect.DeepEqual(codes(st.Login.Problems), want) {
		t.Errorf("status = %+v, want problems %q", st.Login, want)
	}
	f.env.LimaHome = filepath.Join(f.tmp, "vms")
	f.rebuild(t)
	must(t, os.WriteFile(f.unitPath(), []byte(strings.Replace(old, "multi-user", "default", 1)), 0o644))
	st, _ = f.m.Status(context.Background(), f.inst)
	want = []string{problem.LimactlMissing, problem.PathMissing, problem.LimaHomeMissing, problem.StopTimeout, problem.KeepAlive, problem.NotEnabled}
	if got := codes(st.Login.Problems); !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestLinuxBootWithLingering(t *testing.T) {
	f := newFixture(t, Linux)
	ctx := context.Background()
	linger := filepath.Join(f.env.LingerDir, f.env.User)
	f.fake.Expect(f.linuxUnitAnswers()...)
	f.fake.Expect(answer("", "loginctl", "enable-linger", f.env.User), answer("", "loginctl", "disable-linger", f.env.User))
	res, err := f.m.Enable(ctx, f.inst, Boot, EnableOptions{})
	must(t, err)
	if !res.Changed {
		t.Errorf("result %+v", res)
	}
	if got, want := f.fake.Argvs(), []string{
		"systemctl --user enable --no-reload lima-vm@default.service",
		"loginctl enable-linger " + f.env.User,
		"systemctl --user daemon-reload",
		"systemctl --user reset-failed lima-vm@default.service",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	// The fake loginctl does not create the linger file; systemd would.
	must(t, os.MkdirAll(f.env.LingerDir, 0o755))
	must(t, os.WriteFile(linger, nil, 0o644))
	st, _ := f.m.Status(ctx, f.inst)
	if !st.Boot.Enabled || st.Login.Enabled {
		t.Errorf("status = %+v", st)
	}
	f.fake.Calls = nil
	_, err = f.m.Disable(ctx, f.inst, Boot)
	must(t, err)
	want := []string{
		"systemctl --user disable --no-reload lima-vm@default.service",
		"loginctl disable-linger " + f.env.User,
		"systemctl --user daemon-reload",
	}
	if got := f.fake.Argvs(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestLinuxBootKeepsLingeringItDidNotTurnOn(t *testing.T) {
	f := newFixture(t, Linux)
	f.fake.Expect(f.linuxUnitAnswers()...)
	must(t, os.MkdirAll(f.env.LingerDir, 0o755))
	must(t, os.WriteFile(filepath.Join(f.env.LingerDir, f.env.User), nil, 0o644))
	ctx := context.Background()
	_, err := f.m.Enable(ctx, f.inst, Boot, EnableOptions{})
	must(t, err)
	_, err = f.m.Disable(ctx, f.inst, Boot)
	must(t, err)
	for _, c := range f.fake.Argvs() {
		if strings.HasPrefix(c, "loginctl") {
			t.Errorf("touched lingering it did not turn on: %q", c)
		}
	}
}

func TestLinuxBootRefusedByPolkit(t *testing.T) {
	f := newFixture(t, Linux)
	f.fake.Responses = []runner.Response{{Match: []string{"loginctl", "enable-linger"}, ExitCode: 1, Stderr: "Could not enable linger: Access denied"}}
	f.fake.Expect(f.linuxUnitAnswers()...)
	_, err := f.m.Enable(context.Background(), f.inst, Boot, EnableOptions{})
	if err == nil || !strings.Contains(err.Error(), "Access denied") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(f.unitPath()); !os.IsNotExist(err) {
		t.Error("unit left behind after lingering was refused")
	}
	if _, err := os.Stat(filepath.Join(f.env.StateDir, "linger.json")); !os.IsNotExist(err) {
		t.Error("linger record written although lingering was refused")
	}
}

// TestLinuxBootRefusedByPolkitKeepsOldUnit starts from a unit limactl wrote
// and enabled, which Enable rewrites (it lacks PATH) before it asks for
// lingering. When polkit refuses, the error says nothing was changed, so
// the old unit must be back byte for byte, still enabled, and the user
// manager reloaded to see it again.
func TestLinuxBootRefusedByPolkitKeepsOldUnit(t *testing.T) {
	f := newFixture(t, Linux)
	w := &world{env: &f.env, fail: [][]string{{"loginctl", "enable-linger"}}, stderr: "Could not enable linger: Access denied"}
	f.env.Runner = w
	f.rebuild(t)
	f.limactlUnit(t, w)
	old, err := os.ReadFile(f.unitPath())
	must(t, err)
	link := filepath.Join(filepath.Dir(f.unitPath()), "default.target.wants", "lima-vm@default.service")

	_, err = f.m.Enable(context.Background(), f.inst, Boot, EnableOptions{})
	if err == nil || !strings.Contains(err.Error(), "Access denied") || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), `"default"`) {
		t.Fatalf("got %v, want the instance, polkit's answer and that nothing was changed", err)
	}
	got, err := os.ReadFile(f.unitPath())
	must(t, err)
	if string(got) != string(old) {
		t.Errorf("got unit\n%s\nwant the one limactl wrote\n%s", got, old)
	}
	if target, err := os.Readlink(link); err != nil || target != f.unitPath() {
		t.Errorf("got link %q (%v), want the unit still enabled", target, err)
	}
	if exists(filepath.Join(f.env.StateDir, "linger.json")) || exists(filepath.Join(f.env.LingerDir, f.env.User)) {
		t.Error("lingering or its record left behind although polkit refused")
	}
	if last := w.calls[len(w.calls)-1]; last != "systemctl --user enable lima-vm@default.service" && last != "systemctl --user daemon-reload" {
		t.Errorf("got last call %q, want systemd told about the old unit again; calls %q", last, w.calls)
	}
	st, err := f.m.Status(context.Background(), f.inst)
	must(t, err)
	if !st.Login.Enabled || st.Boot.Enabled {
		t.Errorf("got status %+v, want login on as before", st)
	}
}

func TestDarwinDaemonOfAnotherAccountIsLeftAlone(t *testing.T) {
	f := newFixture(t, Darwin)
	must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
	other := launchd.Daemon(launchd.Params{Name: "default", InstanceDir: "/Users/ci/.lima/default", Limactl: f.limctl, Home: "/Users/ci", User: "ci"})
	data, err := launchd.Encode(other)
	must(t, err)
	must(t, os.WriteFile(f.daemonPath(), data, 0o644))
	st, err := f.m.Status(context.Background(), f.inst)
	must(t, err)
	if st.Boot.Enabled || !reflect.DeepEqual(codes(st.Boot.Problems), []string{problem.OtherAccount}) {
		t.Errorf("boot = %+v", st.Boot)
	}
	for _, op := range []func() error{
		func() error { _, err := f.m.Disable(context.Background(), f.inst, Boot); return err },
		func() error { _, err := f.m.Enable(context.Background(), f.inst, Boot, EnableOptions{}); return err },
	} {
		if err := op(); err == nil || !strings.Contains(err.Error(), "belongs to the account ci") {
			t.Errorf("err = %v", err)
		}
	}
	if len(f.elev.scripts) != 0 {
		t.Errorf("the administrator prompt was used for another account's daemon")
	}
	got, _ := os.ReadFile(f.daemonPath())
	if string(got) != string(data) {
		t.Error("another account's daemon was changed")
	}
	// Root acting for the machine may remove it.
	f.env.Admin = true
	f.rebuild(t)
	if _, err := f.m.Disable(context.Background(), f.inst, Boot); err != nil {
		t.Errorf("as admin: %v", err)
	}
}

func TestDarwinRepairBothConditionsKeepsBoot(t *testing.T) {
	f := newFixture(t, Darwin)
	ctx := context.Background()
	must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
	p := launchd.Params{Name: "default", InstanceDir: f.inst.Dir, Limactl: f.limctl, Home: f.env.Home, User: f.env.User}
	data, err := launchd.Encode(launchd.Daemon(p))
	must(t, err)
	must(t, os.WriteFile(f.daemonPath(), data, 0o644))
	f.fake.Expect(darwinAgentAnswers()...)
	f.fake.Expect(printDisabled("system"), printLoaded(daemonLabel, f.daemonPath()))
	_, err = f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	// Enabling login switches over, which the elevator (doing nothing
	// here) allows; put the daemon back to have both.
	must(t, err)
	must(t, os.WriteFile(f.daemonPath(), data, 0o644))
	st, _ := f.m.Status(ctx, f.inst)
	if !st.Login.Enabled || !st.Boot.Enabled {
		t.Fatalf("setup: %+v", st)
	}
	f.elev.scripts = nil
	res, err := f.m.Repair(ctx, f.inst)
	must(t, err)
	st, _ = f.m.Status(ctx, f.inst)
	if st.Login.Enabled || !st.Boot.Enabled || len(st.Boot.Problems) != 0 {
		t.Errorf("after repair %+v (%s)", st, res.Message)
	}
	if len(f.elev.scripts) != 0 {
		t.Errorf("repair reinstalled a daemon that had nothing wrong but the duplicate")
	}
}

func TestLinuxStaleLingerRecordIsReleased(t *testing.T) {
	f := newFixture(t, Linux)
	f.fake.Expect(f.linuxUnitAnswers()...)
	f.fake.Expect(answer("", "loginctl", "enable-linger", f.env.User), answer("", "loginctl", "disable-linger", f.env.User))
	ctx := context.Background()
	linger := filepath.Join(f.env.LingerDir, f.env.User)
	_, err := f.m.Enable(ctx, f.inst, Boot, EnableOptions{})
	must(t, err)
	must(t, os.MkdirAll(f.env.LingerDir, 0o755))
	must(t, os.WriteFile(linger, nil, 0o644))
	// limactl start-at-login --enabled=false removes the unit behind
	// LimaBar's back.
	must(t, os.Remove(f.unitPath()))
	f.fake.Calls = nil
	_, err = f.m.Disable(ctx, f.inst, Boot)
	must(t, err)
	if got, want := f.fake.Argvs(), []string{"loginctl disable-linger " + f.env.User}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

// TestExecuteChangeLeavesAfterPending: the menu shows a change once its
// steps are done, and systemd's reload, and the reset-failed that makes
// an earlier registration's failure history, run after that, through
// Pending, which still counts as a reload.
func TestExecuteChangeLeavesAfterPending(t *testing.T) {
	f := newFixture(t, Linux)
	f.fake.Expect(f.linuxUnitAnswers()...)
	ctx := context.Background()
	p, err := f.m.PlanEnable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	res, err := f.m.ExecuteChange(ctx, p)
	must(t, err)
	if got, want := f.fake.Argvs(), []string{"systemctl --user enable --no-reload lima-vm@default.service"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls before Pending = %q, want %q", got, want)
	}
	if st, _ := f.m.Status(ctx, f.inst); !st.Login.Enabled || res.Message != "default will start at login" || res.Pending == nil || !res.PendingReloads {
		t.Fatalf("after the change: status %+v, result %+v", st.Login, res)
	}
	f.fake.Responses = []runner.Response{{Match: []string{"systemctl", "--user", "daemon-reload"}, ExitCode: 1, Stderr: "Failed to connect to bus"}}
	err = res.Pending(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "default will start at login, but failed to reload systemd") {
		t.Errorf("Pending = %v", err)
	}
	if st, _ := f.m.Status(ctx, f.inst); !st.Login.Enabled {
		t.Error("a failed reload took the change back")
	}
}
