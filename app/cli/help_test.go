package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
)

// runNoMachine runs args with a Backend that must not be built: help and
// bad usage never touch the machine.
func runNoMachine(t *testing.T, w Who, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &CLI{Stdout: &out, Stderr: &errb, Version: "1.2.3", Platform: w.Platform, IsRoot: w.Root, User: w.Self,
		Backend: func(string) (Backend, error) {
			t.Errorf("%q built the backend", args)
			return nil, errors.New("no machine in this test")
		}}
	code = c.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func helpGolden(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "help", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHelp: `limabar help`, `help CMD`, `CMD --help` and `CMD -h` print the
// usage on stdout and exit 0, as Go's own commands do, for every command.
func TestHelp(t *testing.T) {
	alice := Who{Platform: autostart.Linux, Self: "alice"}
	tests := []struct {
		args   []string
		golden string
	}{
		{[]string{"help"}, "limabar"},
		{[]string{"-h"}, "limabar"},
		{[]string{"--help"}, "limabar"},
		{[]string{"help", "help"}, "help"},
		{[]string{"help", "--help"}, "help"},
		{[]string{"version", "--help"}, "version"},
		{[]string{"help", "version"}, "version"},
		{[]string{"version", "-h"}, "version"},
		// After the instance name too, and after other flags.
		{[]string{"enable", "--condition=boot", "default", "--help"}, "enable"},
		{[]string{"disable", "default", "-h"}, "disable"},
		{[]string{"doctor", "--fix", "-help"}, "doctor"},
	}
	for _, cmd := range []string{"list", "enable", "disable", "doctor"} {
		tests = append(tests,
			struct {
				args   []string
				golden string
			}{[]string{"help", cmd}, cmd},
			struct {
				args   []string
				golden string
			}{[]string{cmd, "--help"}, cmd},
			struct {
				args   []string
				golden string
			}{[]string{cmd, "-h"}, cmd})
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runNoMachine(t, alice, tt.args...)
			if code != 0 || stderr != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", code, stderr)
			}
			if want := helpGolden(t, tt.golden); stdout != want {
				t.Errorf("stdout differs from testdata/help/%s.txt:\n%s", tt.golden, stdout)
			}
		})
	}
}

// TestHelpRefusesWhatIsNotACommand: help of something that is not a
// command is bad usage, one line on stderr.
func TestHelpRefusesWhatIsNotACommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "start"}, "limabar: unknown command \"start\" (see limabar help)\n"},
		{[]string{"help", "list", "enable"}, "limabar: help takes one command name\n"},
		{[]string{"version", "extra"}, "limabar: version takes no arguments\n"},
		{[]string{"list", "--jsn"}, "limabar: flag provided but not defined: -jsn\n"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runNoMachine(t, Who{Platform: autostart.Linux, Self: "alice"}, tt.args...)
			if code != 2 || stdout != "" || stderr != tt.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// flagInHelp is a flag as a command's help shows it: --name, and the
// value it takes, if any (--condition=login|boot, --user U).
var flagInHelp = regexp.MustCompile(`(?m)^  (--[a-z-]+)(?:[= ]([A-Za-z|]+))?\s`)

// TestHelpFlagsAreTheCommandsFlags: every flag a command's help lists is
// one the command takes: given before --help, it parses, and the help
// follows.
func TestHelpFlagsAreTheCommandsFlags(t *testing.T) {
	for _, cmd := range []string{"list", "enable", "disable", "doctor"} {
		text := helpGolden(t, cmd)
		found := flagInHelp.FindAllStringSubmatch(text, -1)
		if len(found) == 0 {
			t.Errorf("%s: the help lists no flags", cmd)
		}
		for _, m := range found {
			arg := m[1]
			switch value, _, _ := strings.Cut(m[2], "|"); value {
			case "":
				arg += "=true"
			default:
				arg += "=" + value
			}
			code, stdout, stderr := runNoMachine(t, Who{Platform: autostart.Linux, Self: "alice"}, cmd, arg, "--help")
			if code != 0 || stdout != text {
				t.Errorf("%s %s --help: exit %d, stderr %q; want 0 and the help", cmd, arg, code, stderr)
			}
		}
	}
}

// TestConditionDefaults: without --condition, enable starts at login and
// disable removes both starts, boot first, as limactl autostart does; the
// usage says so.
func TestConditionDefaults(t *testing.T) {
	b := &warningBackend{}
	code, stdout, _ := run(b, "disable", "default")
	if want := "default will no longer start at boot\ndefault will no longer start at login\n"; code != 0 || stdout != want {
		t.Errorf("disable default: exit %d, stdout %q; want 0, %q", code, stdout, want)
	}
	e := &enableBackend{}
	if code, _, stderr := run(e, "enable", "default"); code != 0 || len(e.calls) != 1 || e.calls[0] != autostart.Login {
		t.Errorf("enable default: exit %d (%s), enabled %q; want login", code, stderr, e.calls)
	}
}

// enableBackend records the conditions enabled.
type enableBackend struct {
	warningBackend
}

func (b *enableBackend) EnableAs(_ context.Context, name string, c autostart.Condition, _ autostart.EnableOptions) (autostart.Result, error) {
	b.calls = append(b.calls, c)
	return autostart.Result{Changed: true, Message: name + " will start at " + string(c)}, nil
}
