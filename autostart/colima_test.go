package autostart

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
)

// colimaFixture is the fixture with a colima beside limactl and a Colima
// home holding the default profile and profile dev.
type colimaFixture struct {
	*fixture
	colima     string
	colimaHome string
	dev, def   Instance
}

// newColimaFixture builds it; with custom, COLIMA_HOME is not ~/.colima.
func newColimaFixture(t *testing.T, p Platform, custom bool) *colimaFixture {
	t.Helper()
	f := newFixture(t, p)
	c := &colimaFixture{fixture: f, colima: filepath.Join(f.tmp, "bin", "colima"), colimaHome: colima.DefaultHome(f.env.Home)}
	if custom {
		c.colimaHome = filepath.Join(f.tmp, "vms", "colima")
	}
	must(t, os.WriteFile(c.colima, []byte("#!/bin/sh\n"), 0o755))
	for _, name := range []string{"colima", "colima-dev"} {
		dir := filepath.Join(colima.LimaHome(c.colimaHome), name)
		must(t, os.MkdirAll(dir, 0o755))
		// colima writes the instance's lima.yaml from colima.yaml.
		must(t, os.WriteFile(filepath.Join(dir, "lima.yaml"), []byte("vmType: qemu\n"), 0o644))
	}
	c.dev = Instance{Name: "colima-dev", Tool: ToolColima}
	c.def = Instance{Name: "colima", Tool: ToolColima, Profile: "default"}
	f.env.Colima = c.colima
	f.env.ColimaHome = c.colimaHome
	f.rebuild(t)
	return c
}

func (c *colimaFixture) unitDir() string { return filepath.Join(c.env.ConfigHome, "systemd", "user") }

// linkWants makes the link `systemctl --user enable` makes for unit.
func (c *colimaFixture) linkWants(t *testing.T, unit string) {
	t.Helper()
	wants := filepath.Join(c.unitDir(), "default.target.wants")
	must(t, os.MkdirAll(wants, 0o755))
	must(t, os.Symlink(filepath.Join(c.unitDir(), unit), filepath.Join(wants, unit)))
}

// TestColimaLinuxLogin: Start at Login of profile dev writes LimaBar's
// unit limabar-colima@dev.service running `colima start --foreground
// --profile dev`, enables it and reloads systemd; the status reads that
// unit; Registered lists it as the profile's; Disable removes it. Lima's
// unit for the instance is never written.
func TestColimaLinuxLogin(t *testing.T) {
	for _, custom := range []bool{false, true} {
		t.Run(map[bool]string{false: "default COLIMA_HOME", true: "custom COLIMA_HOME"}[custom], func(t *testing.T) {
			c := newColimaFixture(t, Linux, custom)
			unit := "limabar-colima@dev.service"
			path := filepath.Join(c.unitDir(), unit)
			c.fake.Expect(
				answer("", "systemctl", "--user", "enable", "--no-reload", unit),
				answer("", "systemctl", "--user", "disable", "--no-reload", unit),
				answer("", "systemctl", "--user", "daemon-reload"),
				answer("", "systemctl", "--user", "reset-failed", unit),
			)
			ctx := context.Background()
			res, err := c.m.Enable(ctx, c.dev, Login, EnableOptions{})
			must(t, err)
			if want := "Colima profile dev will start at login"; !res.Changed || res.Message != want {
				t.Errorf("result %+v, want the message %q", res, want)
			}
			data, err := os.ReadFile(path)
			must(t, err)
			pf, err := systemd.Parse(data)
			must(t, err)
			info, err := systemd.Inspect(pf)
			must(t, err)
			if want := []string{c.colima, "start", "--foreground", "--profile", "dev"}; !reflect.DeepEqual(info.ExecStart, want) {
				t.Errorf("ExecStart %q, want %q", info.ExecStart, want)
			}
			wantHome := ""
			if custom {
				wantHome = c.colimaHome
			}
			if info.Environment["COLIMA_HOME"] != wantHome || info.Environment["LIMA_HOME"] != "" || !strings.HasPrefix(info.Environment["PATH"], filepath.Dir(c.colima)+":") {
				t.Errorf("Environment %q, want COLIMA_HOME %q, no LIMA_HOME, colima's folder first on PATH", info.Environment, wantHome)
			}
			if exists(filepath.Join(c.unitDir(), "lima-vm@colima-dev.service")) {
				t.Error("Lima's unit was written for a Colima profile")
			}
			wantCalls := []string{
				"systemctl --user enable --no-reload " + unit,
				"systemctl --user daemon-reload",
				"systemctl --user reset-failed " + unit,
			}
			if got := c.fake.Argvs(); !reflect.DeepEqual(got, wantCalls) {
				t.Errorf("calls %q, want %q", got, wantCalls)
			}

			c.linkWants(t, unit)
			st, err := c.m.Status(ctx, c.dev)
			must(t, err)
			if !st.Login.Enabled || st.Login.Path != path || len(st.Login.Problems) != 0 || st.Boot.Enabled || st.BrewServices != "" {
				t.Errorf("status %+v, want login on at %s without problems", st, path)
			}
			regs, err := c.m.Registered(ctx)
			must(t, err)
			want := []Registration{{Name: "colima-dev", Condition: Login, Path: path, Tool: ToolColima, Profile: "dev",
				Unverified: "its folder " + filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev") + " still exists"}}
			if !reflect.DeepEqual(regs, want) {
				t.Errorf("Registered\n got %+v\nwant %+v", regs, want)
			}

			res, err = c.m.Disable(ctx, c.dev, Login)
			must(t, err)
			if exists(path) || res.Message != "Colima profile dev will no longer start at login" {
				t.Errorf("after Disable: unit there %v, message %q", exists(path), res.Message)
			}
		})
	}
}

// TestColimaRegisteredProfileGone: LimaBar's job of a profile whose
// folder is gone is listed as the profile's, gone (no OtherLimaHome, not
// unverified), so that doctor reports it, and the status of the profile
// says profile-missing.
func TestColimaRegisteredProfileGone(t *testing.T) {
	c := newColimaFixture(t, Linux, true)
	unit := "limabar-colima@dev.service"
	data, err := systemd.ColimaUnit(systemd.ColimaParams{Profile: "dev", Colima: c.colima, PATH: "/usr/bin", ColimaHome: c.colimaHome, InstanceDir: filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev")})
	must(t, err)
	must(t, os.MkdirAll(c.unitDir(), 0o755))
	must(t, os.WriteFile(filepath.Join(c.unitDir(), unit), data, 0o644))
	c.linkWants(t, unit)
	must(t, os.RemoveAll(filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev")))

	ctx := context.Background()
	regs, err := c.m.Registered(ctx)
	must(t, err)
	want := []Registration{{Name: "colima-dev", Condition: Login, Path: filepath.Join(c.unitDir(), unit), Tool: ToolColima, Profile: "dev"}}
	if !reflect.DeepEqual(regs, want) {
		t.Errorf("Registered\n got %+v\nwant %+v", regs, want)
	}
	st, err := c.m.Status(ctx, regs[0].Instance())
	must(t, err)
	if got := codes(st.Login.Problems); !reflect.DeepEqual(got, []string{problem.ProfileMissing}) {
		t.Errorf("problems %q, want profile-missing", got)
	}
}

// TestColimaJobProblems: the problems doctor knows for a Colima job: the
// colima it runs is gone, COLIMA_HOME is not passed although it is not
// ~/.colima, and the profile's folder is gone; and a job of LimaBar's
// written with Lima's stop time.
func TestColimaJobProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(c *colimaFixture, unit string) string
		codes []string
	}{
		{"colima gone", func(c *colimaFixture, unit string) string {
			return strings.Replace(unit, c.colima, filepath.Join(c.tmp, "old", "colima"), 1)
		}, []string{problem.ColimaMissing}},
		{"COLIMA_HOME not passed", func(c *colimaFixture, unit string) string {
			return regexp.MustCompile(`(?m)^Environment="COLIMA_HOME=.*\n`).ReplaceAllString(unit, "")
		}, []string{problem.ColimaHomeMissing}},
		{"another COLIMA_HOME", func(c *colimaFixture, unit string) string {
			return strings.Replace(unit, "COLIMA_HOME="+c.colimaHome, "COLIMA_HOME=/elsewhere", 1)
		}, []string{problem.ColimaHomeDiffers}},
		{"profile folder gone", func(c *colimaFixture, unit string) string {
			must(t, os.RemoveAll(filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev")))
			return unit
		}, []string{problem.ProfileMissing}},
		{"Lima's stop time", func(c *colimaFixture, unit string) string {
			return strings.Replace(unit, "TimeoutStopSec=360", "TimeoutStopSec=210", 1)
		}, []string{problem.StopTimeout}},
		{"limactl instead of colima", func(c *colimaFixture, unit string) string {
			return strings.Replace(unit, `"`+c.colima+`" start --foreground --profile dev`, `"`+c.limctl+`" start colima-dev --foreground`, 1)
		}, []string{problem.Args, problem.ColimaDiffers}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newColimaFixture(t, Linux, true)
			unit := "limabar-colima@dev.service"
			data, err := systemd.ColimaUnit(systemd.ColimaParams{Profile: "dev", Colima: c.colima, PATH: "/usr/bin", ColimaHome: c.colimaHome, InstanceDir: filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev")})
			must(t, err)
			must(t, os.MkdirAll(c.unitDir(), 0o755))
			must(t, os.WriteFile(filepath.Join(c.unitDir(), unit), []byte(tc.edit(c, string(data))), 0o644))
			c.linkWants(t, unit)
			st, err := c.m.Status(context.Background(), c.dev)
			must(t, err)
			if got := codes(st.Login.Problems); !reflect.DeepEqual(got, tc.codes) {
				t.Errorf("problems %q (%+v), want %q", got, st.Login.Problems, tc.codes)
			}
		})
	}
}

// brewUnitText is the unit `brew services start colima` writes on Linux
// (Homebrew's Library/Homebrew/service.rb, to_systemd_unit, for the colima
// formula's `service do run [opt_bin/"colima", "start", "-f"]`), with the
// prefix of a Homebrew on Linux.
const brewUnitText = `[Unit]
Description=Homebrew generated unit for colima

[Install]
WantedBy=default.target

[Service]
Type=simple
ExecStart="/home/linuxbrew/.linuxbrew/opt/colima/bin/colima" "start" "-f"
Restart=always
Environment="PATH=/home/linuxbrew/.linuxbrew/bin:/home/linuxbrew/.linuxbrew/sbin:/usr/bin:/bin:/usr/sbin:/sbin"
`

// TestColimaLinuxBrewServices: an enabled homebrew.colima.service for the
// default profile shows as BrewServices; Start at Login refuses, saying
// how, and changes nothing; with TakeOver it stops and disables brew's
// unit first, then registers LimaBar's, leaving one job; a rollback
// enables brew's unit again.
func TestColimaLinuxBrewServices(t *testing.T) {
	c := newColimaFixture(t, Linux, false)
	brew := filepath.Join(c.unitDir(), colima.BrewUnit)
	must(t, os.MkdirAll(c.unitDir(), 0o755))
	must(t, os.WriteFile(brew, []byte(brewUnitText), 0o644))
	c.linkWants(t, colima.BrewUnit)
	ctx := context.Background()

	st, err := c.m.Status(ctx, c.def)
	must(t, err)
	if st.BrewServices != brew || st.Login.Enabled || st.Boot.Enabled {
		t.Errorf("status %+v, want BrewServices %s and LimaBar's switches off", st, brew)
	}
	if st, err := c.m.Status(ctx, c.dev); err != nil || st.BrewServices != "" {
		t.Errorf("profile dev: %+v, %v; brew services starts the default profile only", st, err)
	}

	_, err = c.m.Enable(ctx, c.def, Login, EnableOptions{})
	if !errors.Is(err, ErrBrewServices) || !strings.Contains(err.Error(), "brew services stop colima") {
		t.Fatalf("Enable without TakeOver: %v, want ErrBrewServices saying how", err)
	}
	if len(c.fake.Calls) != 0 || exists(filepath.Join(c.unitDir(), "limabar-colima@default.service")) {
		t.Fatalf("the refused Enable changed something: calls %q", c.fake.Argvs())
	}

	unit := "limabar-colima@default.service"
	c.fake.Expect(
		answer("", "systemctl", "--user", "disable", "--now", colima.BrewUnit),
		answer("", "systemctl", "--user", "enable", "--no-reload", unit),
		answer("", "systemctl", "--user", "daemon-reload"),
		answer("", "systemctl", "--user", "reset-failed", unit),
	)
	res, err := c.m.Enable(ctx, c.def, Login, EnableOptions{TakeOver: true})
	must(t, err)
	if !strings.HasPrefix(res.Message, "Colima profile default will start at login; LimaBar took over from brew services") {
		t.Errorf("message %q", res.Message)
	}
	want := []string{
		"systemctl --user disable --now " + colima.BrewUnit,
		"systemctl --user enable --no-reload " + unit,
		"systemctl --user daemon-reload",
		"systemctl --user reset-failed " + unit,
	}
	if got := c.fake.Argvs(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
	if data, err := os.ReadFile(brew); err != nil || string(data) != brewUnitText {
		t.Errorf("brew's unit was changed: %v", err)
	}

	t.Run("rollback", func(t *testing.T) {
		c := newColimaFixture(t, Linux, false)
		must(t, os.MkdirAll(c.unitDir(), 0o755))
		must(t, os.WriteFile(filepath.Join(c.unitDir(), colima.BrewUnit), []byte(brewUnitText), 0o644))
		c.linkWants(t, colima.BrewUnit)
		c.fake.Expect(
			answer("", "systemctl", "--user", "disable", "--now", colima.BrewUnit),
			runner.Response{Match: []string{"systemctl", "--user", "enable", "--no-reload", unit}, Stderr: "Failed to enable unit", ExitCode: 1},
			answer("", "systemctl", "--user", "enable", colima.BrewUnit),
			answer("", "systemctl", "--user", "daemon-reload"),
		)
		if _, err := c.m.Enable(ctx, c.def, Login, EnableOptions{TakeOver: true}); err == nil {
			t.Fatal("Enable succeeded")
		}
		if got := c.fake.Argvs(); !slices.Contains(got, "systemctl --user enable "+colima.BrewUnit) {
			t.Errorf("brew's unit was not enabled again: %q", got)
		}
		if exists(filepath.Join(c.unitDir(), unit)) {
			t.Error("LimaBar's unit is left after the rollback")
		}
	})
}

// TestColimaLinuxLimaJobReplaced: Lima's unit lima-vm@colima-dev.service
// that starts the profile's instance in Colima's Lima home (limactl
// start-at-login run with LIMA_HOME=~/.colima/_lima) is shown on the
// profile as lima-job; Repair replaces it with LimaBar's Colima unit.
func TestColimaLinuxLimaJobReplaced(t *testing.T) {
	c := newColimaFixture(t, Linux, false)
	lima := filepath.Join(c.unitDir(), "lima-vm@colima-dev.service")
	must(t, os.MkdirAll(c.unitDir(), 0o755))
	must(t, os.WriteFile(lima, []byte("[Unit]\nDescription=Lima\n\n[Service]\nExecStart="+c.limctl+" start %i --foreground\n"+
		"Environment=LIMA_HOME="+colima.LimaHome(c.colimaHome)+"\nWorkingDirectory=%h\nType=simple\nTimeoutSec=10\nRestart=on-failure\n\n[Install]\nWantedBy=default.target\n"), 0o644))
	c.linkWants(t, "lima-vm@colima-dev.service")
	ctx := context.Background()

	st, err := c.m.Status(ctx, c.dev)
	must(t, err)
	if !st.Login.Enabled || st.Login.Path != lima || !reflect.DeepEqual(codes(st.Login.Problems), []string{problem.LimaJob}) ||
		!strings.Contains(st.Login.Problems[0].Message, "runs limactl, skipping Colima's set-up") {
		t.Fatalf("status %+v, want login on through Lima's unit with lima-job", st.Login)
	}
	// Not the job of an instance of LIMA_HOME: the Lima engine's status
	// of a Lima instance of that name is not the profile's.
	unit := "limabar-colima@dev.service"
	c.fake.Expect(
		answer("", "systemctl", "--user", "enable", "--no-reload", unit),
		answer("", "systemctl", "--user", "disable", "--no-reload", "lima-vm@colima-dev.service"),
		answer("", "systemctl", "--user", "daemon-reload"),
		answer("", "systemctl", "--user", "reset-failed", unit),
	)
	res, err := c.m.Repair(ctx, c.dev)
	must(t, err)
	if res.Message != "Colima profile dev: unit rewritten and enabled" {
		t.Errorf("message %q", res.Message)
	}
	if exists(lima) || !exists(filepath.Join(c.unitDir(), unit)) {
		t.Errorf("after Repair Lima's unit is there: %v, LimaBar's: %v", exists(lima), exists(filepath.Join(c.unitDir(), unit)))
	}
	want := []string{
		"systemctl --user enable --no-reload " + unit,
		"systemctl --user disable --no-reload lima-vm@colima-dev.service",
		"systemctl --user daemon-reload",
		"systemctl --user reset-failed " + unit,
	}
	if got := c.fake.Argvs(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
}

// TestColimaLimaJobOfLimaHomeIsNotTheProfiles: a lima-vm@colima-dev unit
// whose LIMA_HOME is Lima's own starts a Lima instance of that name, not
// the profile.
func TestColimaLimaJobOfLimaHomeIsNotTheProfiles(t *testing.T) {
	c := newColimaFixture(t, Linux, false)
	must(t, os.MkdirAll(c.unitDir(), 0o755))
	must(t, os.WriteFile(filepath.Join(c.unitDir(), "lima-vm@colima-dev.service"), []byte("[Service]\nExecStart="+c.limctl+" start %i --foreground\n"), 0o644))
	st, err := c.m.Status(context.Background(), c.dev)
	must(t, err)
	if st.Login.Enabled || st.Boot.Enabled {
		t.Errorf("status %+v, want both off", st)
	}
}

// TestColimaInstanceChecks: a Colima instance must be colima or
// colima-PROFILE, its profile that one's, and colima must be found.
func TestColimaInstanceChecks(t *testing.T) {
	c := newColimaFixture(t, Linux, false)
	ctx := context.Background()
	for _, in := range []Instance{
		{Name: "dev", Tool: ToolColima},
		{Name: "colima-dev", Tool: ToolColima, Profile: "other"},
		{Name: "colima-dev", Tool: "docker"},
	} {
		if _, err := c.m.PlanEnable(ctx, in, Login, EnableOptions{}); err == nil {
			t.Errorf("PlanEnable accepted %+v", in)
		}
	}
	c.env.Colima = ""
	c.rebuild(t)
	if _, err := c.m.PlanEnable(ctx, c.dev, Login, EnableOptions{}); err == nil || err.Error() != `cannot register Colima profile "dev": colima was not found` {
		t.Errorf("without colima: %v", err)
	}
	if got := c.dev.JobLabel(Boot); got != "io.github.limabar.colima.daemon.dev" {
		t.Errorf("JobLabel(Boot) = %q", got)
	}
	if got := (Instance{Name: "colima", Tool: ToolColima, Profile: "default"}).UnitName(); got != "limabar-colima@default.service" {
		t.Errorf("UnitName = %q", got)
	}
}

// modelElevator carries out the privileged scripts the engine asks for as
// they would run as root (the scripts themselves run for real in package
// elevate), against the launchd model: an install script's plist is
// installed at its path and bootstrapped into the system domain, a removal
// script's job disabled, booted out and removed. It counts the prompts.
type modelElevator struct {
	t       *testing.T
	m       *launchdmodel.Model
	prompts []string
}

var (
	scriptBase64 = regexp.MustCompile(`(?s)'printf' '%s\\n' '([A-Za-z0-9+/=\n]+)' \| 'base64'`)
	scriptMv     = regexp.MustCompile(`'mv' '-f' "\$tmp" '([^']+)'`)
	scriptRm     = regexp.MustCompile(`'rm' '-f' '([^']+)'`)
	scriptTarget = regexp.MustCompile(`'launchctl' '(?:enable|disable)' 'system/([^']+)'`)
)

func (e *modelElevator) RunAsRoot(_ context.Context, script, prompt string) error {
	e.prompts = append(e.prompts, prompt)
	label := scriptTarget.FindStringSubmatch(script)[1]
	if b := scriptBase64.FindStringSubmatch(script); b != nil {
		data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b[1], "\n", ""))
		must(e.t, err)
		path := scriptMv.FindStringSubmatch(script)[1]
		must(e.t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(e.t, os.WriteFile(path, data, 0o644))
		e.m.Launchctl("bootout", "system/"+label)
		if r := e.m.Launchctl("enable", "system/"+label); r.Code != 0 {
			return errors.New(r.Stderr)
		}
		if r := e.m.Launchctl("bootstrap", "system", path); r.Code != 0 {
			return errors.New(r.Stderr)
		}
		// An install followed by a removal (elevate.ThenRemove): the
		// last `rm -f` of a literal path is the other daemon's.
		rms := scriptRm.FindAllStringSubmatch(script, -1)
		if other := rms[len(rms)-1][1]; other != path {
			old := strings.TrimSuffix(filepath.Base(other), ".plist")
			e.m.Launchctl("disable", "system/"+old)
			e.m.Launchctl("bootout", "system/"+old)
			return os.Remove(other)
		}
		return nil
	}
	e.m.Launchctl("disable", "system/"+label)
	e.m.Launchctl("bootout", "system/"+label)
	return os.Remove(scriptRm.FindStringSubmatch(script)[1])
}

// newColimaDarwin is the Colima fixture in macOS mode on the launchd
// model.
func newColimaDarwin(t *testing.T) (*colimaFixture, *launchdmodel.Model, *modelElevator) {
	c := newColimaFixture(t, Darwin, false)
	m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
	el := &modelElevator{t: t, m: m}
	c.env.Runner = &launchdmodel.Runner{Model: m, Launchctl: "launchctl"}
	c.env.Elevator = el
	c.rebuild(t)
	return c, m, el
}

// TestColimaDarwinBootAndSwitch: in macOS mode on the launchd model,
// Start at Boot of profile dev installs LimaBar's daemon
// io.github.limabar.colima.daemon.dev (UserName the user, colima start
// --foreground --profile dev, ExitTimeOut 360) through one administrator
// prompt and loads it; Start at Login then switches over: the agent
// io.github.limabar.colima.autostart.dev is written and enabled, the
// daemon removed through one prompt; and back to boot.
func TestColimaDarwinBootAndSwitch(t *testing.T) {
	c, m, el := newColimaDarwin(t)
	ctx := context.Background()
	daemon := filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.dev.plist")
	agent := filepath.Join(c.env.Home, "Library", "LaunchAgents", "io.github.limabar.colima.autostart.dev.plist")

	res, err := c.m.Enable(ctx, c.dev, Boot, EnableOptions{})
	must(t, err)
	if want := "Colima profile dev will start at boot as " + c.env.User; res.Message != want {
		t.Errorf("message %q, want %q", res.Message, want)
	}
	if want := []string{"LimaBar wants to make Colima profile dev start at boot."}; !reflect.DeepEqual(el.prompts, want) {
		t.Errorf("prompts %q, want %q", el.prompts, want)
	}
	data, err := os.ReadFile(daemon)
	must(t, err)
	job, err := launchd.Decode(data)
	must(t, err)
	if job.UserName != c.env.User || job.ExitTimeOut != 360 || !reflect.DeepEqual(job.ProgramArguments, []string{c.colima, "start", "--foreground", "--profile", "dev"}) ||
		job.WorkingDirectory != filepath.Join(colima.LimaHome(c.colimaHome), "colima-dev") {
		t.Errorf("daemon %+v", job)
	}
	if j, ok := m.Job("system/io.github.limabar.colima.daemon.dev"); !ok || j.Path != daemon {
		t.Errorf("the daemon is not loaded from %s: %+v", daemon, j)
	}
	for _, p := range []string{"io.lima-vm.daemon.colima-dev.plist"} {
		if exists(filepath.Join(c.env.LaunchDaemonsDir, p)) {
			t.Errorf("Lima's %s was written", p)
		}
	}
	st, err := c.m.Status(ctx, c.dev)
	must(t, err)
	// The fake chown of the model elevator leaves the file the test's.
	if !st.Boot.Enabled || st.Login.Enabled || !reflect.DeepEqual(without(st.Boot.Problems, problem.Owner), []Problem{}) {
		t.Errorf("status %+v, want boot on without problems", st)
	}

	el.prompts = nil
	res, err = c.m.Enable(ctx, c.dev, Login, EnableOptions{})
	must(t, err)
	if res.SwitchedFrom != string(Boot) || res.Message != "Colima profile dev now starts at login instead of at boot" {
		t.Errorf("result %+v", res)
	}
	if len(el.prompts) != 1 || exists(daemon) || !exists(agent) {
		t.Errorf("prompts %q, daemon there %v, agent there %v", el.prompts, exists(daemon), exists(agent))
	}
	if _, ok := m.Job("system/io.github.limabar.colima.daemon.dev"); ok {
		t.Error("the daemon is still loaded")
	}
	if d, ok := m.Disabled(launchd.GUIDomain(c.env.UID), "io.github.limabar.colima.autostart.dev"); !ok || d {
		t.Errorf("the agent's override is %v (set %v), want enabled", d, ok)
	}

	el.prompts = nil
	res, err = c.m.Enable(ctx, c.dev, Boot, EnableOptions{})
	must(t, err)
	if res.SwitchedFrom != string(Login) || len(el.prompts) != 1 || !exists(daemon) || exists(agent) {
		t.Errorf("back to boot: %+v, prompts %q, daemon %v, agent %v", res, el.prompts, exists(daemon), exists(agent))
	}
}

// brewAgentPlist is the agent `brew services start colima` writes on a
// Mac (Homebrew's Library/Homebrew/service.rb, to_plist, for the colima
// formula's service block: run `colima start -f`, keep_alive
// successful_exit false, working_dir HOMEBREW_PREFIX, log paths in
// var/log), as a launchd.Job.
func brewAgentPlist() launchd.Job {
	f := false
	return launchd.Job{
		Label:             colima.BrewAgentLabel,
		ProgramArguments:  []string{"/opt/homebrew/opt/colima/bin/colima", "start", "-f"},
		RunAtLoad:         true,
		KeepAlive:         &launchd.KeepAlive{SuccessfulExit: &f},
		WorkingDirectory:  "/opt/homebrew",
		StandardOutPath:   "/opt/homebrew/var/log/colima.log",
		StandardErrorPath: "/opt/homebrew/var/log/colima.log",
		EnvironmentVariables: map[string]string{
			"PATH": "/opt/homebrew/bin:/opt/homebrew/sbin:/usr/bin:/bin:/usr/sbin:/sbin",
		},
	}
}

// TestColimaDarwinBrewTakeOver: a loaded homebrew.mxcl.colima agent shows
// on the default profile as BrewServices; Start at Login refuses without
// TakeOver and changes nothing; with it, brew's agent is booted out and
// disabled, and only then LimaBar's agent written and enabled: one job
// for the profile at the next login. Brew's plist stays as it was.
func TestColimaDarwinBrewTakeOver(t *testing.T) {
	c, m, _ := newColimaDarwin(t)
	ctx := context.Background()
	gui := launchd.GUIDomain(c.env.UID)
	brewPath := filepath.Join(c.env.Home, "Library", "LaunchAgents", "homebrew.mxcl.colima.plist")
	data, err := launchd.Encode(brewAgentPlist())
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(brewPath), 0o755))
	must(t, os.WriteFile(brewPath, data, 0o644))
	m.Load(gui, brewPath, brewAgentPlist())

	st, err := c.m.Status(ctx, c.def)
	must(t, err)
	if st.BrewServices != brewPath || st.Login.Enabled {
		t.Fatalf("status %+v, want BrewServices %s", st, brewPath)
	}
	before := m.Summary()
	if _, err := c.m.Enable(ctx, c.def, Login, EnableOptions{}); !errors.Is(err, ErrBrewServices) {
		t.Fatalf("Enable without TakeOver: %v", err)
	}
	if after := m.Summary(); !reflect.DeepEqual(after, before) {
		t.Errorf("the refused Enable changed launchd:\n%q\n%q", before, after)
	}

	res, err := c.m.Enable(ctx, c.def, Login, EnableOptions{TakeOver: true})
	must(t, err)
	if !strings.Contains(res.Message, "LimaBar took over from brew services: its agent homebrew.mxcl.colima is stopped and disabled") {
		t.Errorf("message %q", res.Message)
	}
	if _, ok := m.Job(gui + "/" + colima.BrewAgentLabel); ok {
		t.Error("brew's agent is still loaded")
	}
	if d, _ := m.Disabled(gui, colima.BrewAgentLabel); !d {
		t.Error("brew's agent is not disabled: it would load again at the next login")
	}
	if d, ok := m.Disabled(gui, "io.github.limabar.colima.autostart.default"); !ok || d {
		t.Error("LimaBar's agent is not enabled")
	}
	if got, _ := os.ReadFile(brewPath); string(got) != string(data) {
		t.Error("brew's plist was changed")
	}
	st, err = c.m.Status(ctx, c.def)
	must(t, err)
	if st.BrewServices != "" || !st.Login.Enabled || len(st.Login.Problems) != 0 {
		t.Errorf("after the take-over: %+v, want LimaBar's login alone", st)
	}
}

// TestColimaDarwinLimaAgentReplaced: Lima's agent for colima-dev that
// starts it from Colima's Lima home (`limactl start-at-login` run with
// LIMA_HOME=~/.colima/_lima) shows on the profile as lima-job; Repair
// writes LimaBar's Colima agent and disables and removes Lima's.
func TestColimaDarwinLimaAgentReplaced(t *testing.T) {
	c, m, el := newColimaDarwin(t)
	ctx := context.Background()
	gui := launchd.GUIDomain(c.env.UID)
	agents := filepath.Join(c.env.Home, "Library", "LaunchAgents")
	lima := filepath.Join(agents, "io.lima-vm.autostart.colima-dev.plist")
	job := launchd.Job{Label: "io.lima-vm.autostart.colima-dev", ProgramArguments: []string{c.limctl, "start", "colima-dev", "--foreground"},
		RunAtLoad: true, EnvironmentVariables: map[string]string{"LIMA_HOME": colima.LimaHome(c.colimaHome)}}
	data, err := launchd.Encode(job)
	must(t, err)
	must(t, os.MkdirAll(agents, 0o755))
	must(t, os.WriteFile(lima, data, 0o644))

	st, err := c.m.Status(ctx, c.dev)
	must(t, err)
	if !st.Login.Enabled || st.Login.Path != lima || !reflect.DeepEqual(codes(st.Login.Problems), []string{problem.LimaJob}) {
		t.Fatalf("status %+v, want login on through Lima's agent with lima-job", st.Login)
	}
	res, err := c.m.Repair(ctx, c.dev)
	must(t, err)
	if res.Message != "Colima profile dev: login registration rewritten (it takes effect at the next login)" || len(el.prompts) != 0 {
		t.Errorf("result %+v, prompts %q", res, el.prompts)
	}
	ours := filepath.Join(agents, "io.github.limabar.colima.autostart.dev.plist")
	if exists(lima) || !exists(ours) {
		t.Errorf("Lima's agent there %v, LimaBar's %v", exists(lima), exists(ours))
	}
	if d, _ := m.Disabled(gui, "io.lima-vm.autostart.colima-dev"); !d {
		t.Error("Lima's agent is not disabled")
	}
	st, err = c.m.Status(ctx, c.dev)
	must(t, err)
	if !st.Login.Enabled || st.Login.Path != ours || len(st.Login.Problems) != 0 {
		t.Errorf("after Repair: %+v", st.Login)
	}
}

// TestColimaDarwinRegistered: Registered lists LimaBar's Colima agent and
// this account's Colima daemon with Tool and Profile, leaves another
// account's Colima daemon out, and lists Lima's agent for colima-dev as a
// Lima job whose instance is in another Lima home (Colima's).
func TestColimaDarwinRegistered(t *testing.T) {
	c, _, _ := newColimaDarwin(t)
	agents := filepath.Join(c.env.Home, "Library", "LaunchAgents")
	write := func(path string, job launchd.Job) {
		data, err := launchd.Encode(job)
		must(t, err)
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, data, 0o644))
	}
	p := launchd.ColimaParams{Profile: "default", InstanceDir: filepath.Join(colima.LimaHome(c.colimaHome), "colima"), Colima: c.colima, Home: c.env.Home, User: c.env.User}
	write(filepath.Join(agents, "io.github.limabar.colima.autostart.default.plist"), launchd.ColimaAgent(p))
	p.Profile, p.InstanceDir = "gone", filepath.Join(colima.LimaHome(c.colimaHome), "colima-gone")
	write(filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.gone.plist"), launchd.ColimaDaemon(p))
	p.Profile, p.User = "theirs", "ci"
	write(filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.theirs.plist"), launchd.ColimaDaemon(p))
	write(filepath.Join(agents, "io.lima-vm.autostart.colima-dev.plist"), launchd.Job{Label: "io.lima-vm.autostart.colima-dev",
		ProgramArguments: []string{c.limctl, "start", "colima-dev", "--foreground"}, EnvironmentVariables: map[string]string{"LIMA_HOME": colima.LimaHome(c.colimaHome)}})

	regs, err := c.m.Registered(context.Background())
	must(t, err)
	want := []Registration{
		{Name: "colima", Condition: Login, Path: filepath.Join(agents, "io.github.limabar.colima.autostart.default.plist"), Tool: ToolColima, Profile: "default",
			Unverified: "its folder " + filepath.Join(colima.LimaHome(c.colimaHome), "colima") + " still exists"},
		{Name: "colima-dev", Condition: Login, Path: filepath.Join(agents, "io.lima-vm.autostart.colima-dev.plist"), OtherLimaHome: colima.LimaHome(c.colimaHome)},
		{Name: "colima-gone", Condition: Boot, Path: filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.gone.plist"), Tool: ToolColima, Profile: "gone"},
	}
	if !reflect.DeepEqual(regs, want) {
		t.Errorf("Registered\n got %+v\nwant %+v", regs, want)
	}
}

// TestColimaLinuxBoot: Start at Boot of a profile on Linux is its unit
// plus lingering, as for a Lima instance.
func TestColimaLinuxBoot(t *testing.T) {
	c := newColimaFixture(t, Linux, false)
	unit := "limabar-colima@dev.service"
	c.fake.Expect(
		answer("", "systemctl", "--user", "enable", "--no-reload", unit),
		answer("", "systemctl", "--user", "daemon-reload"),
		answer("", "systemctl", "--user", "reset-failed", unit),
		answer("", "loginctl", "enable-linger", c.env.User),
	)
	res, err := c.m.Enable(context.Background(), c.dev, Boot, EnableOptions{})
	must(t, err)
	if res.Message != "Colima profile dev will start at boot" {
		t.Errorf("message %q", res.Message)
	}
	want := []string{
		"systemctl --user enable --no-reload " + unit,
		"loginctl enable-linger " + c.env.User,
		"systemctl --user daemon-reload",
		"systemctl --user reset-failed " + unit,
	}
	if got := c.fake.Argvs(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
}

// cancellingElevator is the administrator prompt dismissed.
type cancellingElevator struct{ prompts int }

func (e *cancellingElevator) RunAsRoot(context.Context, string, string) error {
	e.prompts++
	return ErrCancelled
}

// TestColimaDarwinTakeOverBootCancelled: Start at Boot of the default
// profile taking over from brew services, with the administrator prompt
// dismissed, changes nothing: brew's agent, whose colima takes its time to
// stop, is still loaded and not disabled, and launchd is as it was. With
// the prompt answered, LimaBar's daemon is installed and then brew's agent
// stopped and disabled.
func TestColimaDarwinTakeOverRolledBack(t *testing.T) {
	c, m, _ := newColimaDarwin(t)
	el := &cancellingElevator{}
	c.env.Elevator = el
	c.rebuild(t)
	gui := launchd.GUIDomain(c.env.UID)
	brewPath := filepath.Join(c.env.Home, "Library", "LaunchAgents", "homebrew.mxcl.colima.plist")
	data, err := launchd.Encode(brewAgentPlist())
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(brewPath), 0o755))
	must(t, os.WriteFile(brewPath, data, 0o644))
	m.SetExitDelay(gui+"/"+colima.BrewAgentLabel, 90*time.Second)
	m.Load(gui, brewPath, brewAgentPlist())
	before := m.Summary()

	_, err = c.m.Enable(context.Background(), c.def, Boot, EnableOptions{TakeOver: true})
	if !errors.Is(err, ErrCancelled) || el.prompts != 1 {
		t.Fatalf("Enable: %v after %d prompts, want the cancellation of one", err, el.prompts)
	}
	if after := m.Summary(); !reflect.DeepEqual(after, before) {
		t.Errorf("the cancelled take-over changed launchd:\n%q\n%q", before, after)
	}
	if exists(filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.default.plist")) {
		t.Error("LimaBar's daemon is there")
	}
	st, err := c.m.Status(context.Background(), c.def)
	must(t, err)
	if st.BrewServices != brewPath || st.Boot.Enabled {
		t.Errorf("status %+v, want brew's job alone as before", st)
	}

	mel := &modelElevator{t: t, m: m}
	c.env.Elevator = mel
	c.rebuild(t)
	res, err := c.m.Enable(context.Background(), c.def, Boot, EnableOptions{TakeOver: true})
	must(t, err)
	if len(mel.prompts) != 1 || !strings.HasPrefix(res.Message, "Colima profile default will start at boot as "+c.env.User+"; LimaBar took over from brew services") {
		t.Errorf("result %+v after prompts %q", res, mel.prompts)
	}
	if _, ok := m.Job("system/io.github.limabar.colima.daemon.default"); !ok {
		t.Error("LimaBar's daemon is not loaded")
	}
	if d, _ := m.Disabled(gui, colima.BrewAgentLabel); !d {
		t.Error("brew's agent is not disabled")
	}
	if j, ok := m.Job(gui + "/" + colima.BrewAgentLabel); ok && !j.Unloading {
		t.Errorf("brew's agent is loaded and not being booted out: %+v", j)
	}
}

// TestColimaDarwinLimaDaemonReplacedInOnePrompt: Lima's daemon of
// colima-dev that starts it from Colima's Lima home shows on the profile
// as lima-job at boot; Repair installs LimaBar's daemon and removes Lima's
// through one administrator prompt.
func TestColimaDarwinLimaDaemonReplacedInOnePrompt(t *testing.T) {
	c, m, el := newColimaDarwin(t)
	ctx := context.Background()
	lima := filepath.Join(c.env.LaunchDaemonsDir, "io.lima-vm.daemon.colima-dev.plist")
	job := launchd.Job{Label: "io.lima-vm.daemon.colima-dev", ProgramArguments: []string{c.limctl, "start", "colima-dev", "--foreground"},
		RunAtLoad: true, UserName: c.env.User, EnvironmentVariables: map[string]string{"LIMA_HOME": colima.LimaHome(c.colimaHome), "HOME": c.env.Home}}
	data, err := launchd.Encode(job)
	must(t, err)
	must(t, os.MkdirAll(c.env.LaunchDaemonsDir, 0o755))
	must(t, os.WriteFile(lima, data, 0o644))
	m.Load("system", lima, job)

	st, err := c.m.Status(ctx, c.dev)
	must(t, err)
	if !st.Boot.Enabled || st.Boot.Path != lima || !reflect.DeepEqual(codes(st.Boot.Problems), []string{problem.LimaJob}) {
		t.Fatalf("status %+v, want boot on through Lima's daemon with lima-job", st.Boot)
	}
	_, err = c.m.Repair(ctx, c.dev)
	must(t, err)
	if want := []string{"LimaBar wants to make Colima profile dev start at boot."}; !reflect.DeepEqual(el.prompts, want) {
		t.Errorf("prompts %q, want %q", el.prompts, want)
	}
	ours := filepath.Join(c.env.LaunchDaemonsDir, "io.github.limabar.colima.daemon.dev.plist")
	if exists(lima) || !exists(ours) {
		t.Errorf("Lima's daemon there %v, LimaBar's %v", exists(lima), exists(ours))
	}
	if _, ok := m.Job("system/io.lima-vm.daemon.colima-dev"); ok {
		t.Error("Lima's daemon is still loaded")
	}
	if _, ok := m.Job("system/io.github.limabar.colima.daemon.dev"); !ok {
		t.Error("LimaBar's daemon is not loaded")
	}
}
