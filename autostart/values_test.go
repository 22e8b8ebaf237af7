package autostart

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// badValue moves one value the jobs are built from to a folder whose name
// holds a character that a registration file cannot carry, and creates it.
type badValue struct {
	name  string
	apply func(f *fixture)
	want  string // the error, after `cannot register instance "default": `
}

func badValues(kind string) []badValue {
	return []badValue{
		{"LIMA_HOME with U+0001", func(f *fixture) {
			f.env.LimaHome = filepath.Join(f.tmp, "vms\x01")
			f.inst.Dir = filepath.Join(f.env.LimaHome, "default")
		}, "the LIMA_HOME path contains a character " + kind + " cannot hold (U+0001)"},
		{"LIMA_HOME with U+FFFE", func(f *fixture) {
			f.env.LimaHome = filepath.Join(f.tmp, "vms\ufffe")
			f.inst.Dir = filepath.Join(f.env.LimaHome, "default")
		}, "the LIMA_HOME path contains a character " + kind + " cannot hold (U+FFFE)"},
		{"limactl path not UTF-8", func(f *fixture) {
			f.env.Limactl = filepath.Join(f.tmp, "bin\xff", "limactl")
		}, "the limactl path contains a character " + kind + " cannot hold (byte 0xFF, not UTF-8)"},
	}
}

// setUp applies v and creates the folders and limactl it names.
func (v badValue) setUp(t *testing.T, f *fixture) {
	t.Helper()
	v.apply(f)
	must(t, os.MkdirAll(f.inst.Dir, 0o755))
	must(t, os.MkdirAll(filepath.Dir(f.env.Limactl), 0o755))
	must(t, os.WriteFile(f.env.Limactl, []byte("#!/bin/sh\n"), 0o755))
	f.rebuild(t)
}

// TestDarwinRefusesValuesAPlistCannotHold: howett.net/plist would write
// such a character as U+FFFD, and the job would point at another path. The
// engine refuses it, naming the instance and the value, before it writes a
// file, runs launchctl or asks for a password.
func TestDarwinRefusesValuesAPlistCannotHold(t *testing.T) {
	vals := append(badValues("a plist"),
		badValue{"home folder with U+FFFF", func(f *fixture) {
			f.env.Home = filepath.Join(f.tmp, "home\uffff")
			f.env.LimaHome = filepath.Join(f.env.Home, ".lima")
			f.inst.Dir = filepath.Join(f.env.LimaHome, "default")
		}, "the home folder contains a character a plist cannot hold (U+FFFF)"},
		badValue{"instance folder with an escape", func(f *fixture) {
			f.inst.Dir = filepath.Join(f.env.LimaHome, "default\x1b[31m")
		}, "the instance folder contains a character a plist cannot hold (U+001B)"},
	)
	for _, v := range vals {
		for _, cond := range []Condition{Login, Boot} {
			t.Run(v.name+"/"+string(cond), func(t *testing.T) {
				f := newFixture(t, Darwin)
				v.setUp(t, f)
				_, err := f.m.Enable(context.Background(), f.inst, cond, EnableOptions{})
				if want := `cannot register instance "default": ` + v.want; err == nil || err.Error() != want {
					t.Fatalf("got %v, want %q", err, want)
				}
				if len(f.fake.Calls) != 0 || len(f.elev.scripts) != 0 {
					t.Errorf("got commands %q and %d scripts, want none", f.fake.Argvs(), len(f.elev.scripts))
				}
				if exists(filepath.Join(f.env.Home, "Library")) || exists(f.env.LaunchDaemonsDir) {
					t.Error("a registration was written")
				}
			})
		}
	}
}

// TestDarwinRepairRefusesValuesAPlistCannotHold: a repair that would
// rewrite a job with such a value changes nothing, not even the removal of
// a duplicate login job that comes first.
func TestDarwinRepairRefusesValuesAPlistCannotHold(t *testing.T) {
	v := badValues("a plist")[0]
	for _, both := range []bool{false, true} {
		t.Run(map[bool]string{false: "login", true: "login and boot"}[both], func(t *testing.T) {
			f := newFixture(t, Darwin)
			v.setUp(t, f)
			f.limactlAgent(t)
			if both {
				f.installedDaemon(t)
			}
			before := tree(t, f.tmp)
			f.fake.Calls = nil
			// Only questions are declared: a change would be an
			// unexpected command.
			f.fake.Expect(printDisabled("gui/501"), printDisabled("system"), printLoaded(daemonLabel, f.daemonPath()))
			_, err := f.m.Repair(context.Background(), f.inst)
			if want := `cannot register instance "default": ` + v.want; err == nil || err.Error() != want {
				t.Fatalf("got %v, want %q", err, want)
			}
			if d := treeDiff(before, tree(t, f.tmp)); len(d) != 0 {
				t.Errorf("files changed: %q", d)
			}
			for _, c := range f.fake.Argvs() {
				if c != "launchctl print-disabled gui/501" && c != "launchctl print-disabled system" && c != "launchctl print system/io.lima-vm.daemon.default" {
					t.Errorf("got %q, want only questions to launchctl", c)
				}
			}
			if len(f.elev.scripts) != 0 {
				t.Error("the administrator prompt was used")
			}
		})
	}
}

// TestLinuxRefusesValuesAUnitCannotHold: a line feed would end the setting
// and start another; bytes that are not UTF-8 would be written as U+FFFD;
// U+FFFE makes systemd ignore ExecStart=. Each is refused before the unit
// is written or systemctl runs.
func TestLinuxRefusesValuesAUnitCannotHold(t *testing.T) {
	vals := append(badValues("a unit file"),
		// A plist holds a line feed (as &#xA;); a unit does not.
		badValue{"LIMA_HOME with a line feed", func(f *fixture) {
			f.env.LimaHome = filepath.Join(f.tmp, "vms\n[Service]")
			f.inst.Dir = filepath.Join(f.env.LimaHome, "default")
		}, "the LIMA_HOME path contains a character a unit file cannot hold (U+000A)"})
	for _, v := range vals {
		for _, cond := range []Condition{Login, Boot} {
			t.Run(v.name+"/"+string(cond), func(t *testing.T) {
				f := newFixture(t, Linux)
				v.setUp(t, f)
				_, err := f.m.Enable(context.Background(), f.inst, cond, EnableOptions{})
				if want := `cannot register instance "default": ` + v.want; err == nil || err.Error() != want {
					t.Fatalf("got %v, want %q", err, want)
				}
				if len(f.fake.Calls) != 0 {
					t.Errorf("got commands %q, want none", f.fake.Argvs())
				}
				if exists(f.env.ConfigHome) || exists(f.env.StateDir) {
					t.Error("a unit or a record was written")
				}
			})
		}
	}
}
