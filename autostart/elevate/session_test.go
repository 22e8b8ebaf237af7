package elevate

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

func TestDetectSession(t *testing.T) {
	for _, tc := range []struct {
		tty, gui bool
		want     Session
	}{
		{false, false, SessionNone},
		{true, false, SessionTTY},
		{false, true, SessionGUI},
		{true, true, SessionGUI},
	} {
		if got := DetectSession(tc.tty, tc.gui); got != tc.want {
			t.Errorf("DetectSession(tty=%v, gui=%v) = %q, want %q", tc.tty, tc.gui, got, tc.want)
		}
	}
}

func TestChoose(t *testing.T) {
	// The chosen elevators are compared, not run: nothing is declared.
	r := runner.NewFake(t)
	tools := ChooseTools{Osascript: "osascript", Sudo: "/usr/bin/sudo", Shell: "/bin/bash"}
	for _, tc := range []struct {
		name    string
		root    bool
		session Session
		tools   ChooseTools
		want    Elevator
		err     string
	}{
		{"root on a desktop", true, SessionGUI, tools, Direct{Runner: r, Shell: "/bin/bash"}, ""},
		{"root without a session", true, SessionNone, tools, Direct{Runner: r, Shell: "/bin/bash"}, ""},
		{"desktop", false, SessionGUI, tools, Osascript{Runner: r, Path: "osascript"}, ""},
		{"terminal", false, SessionTTY, tools, Sudo{Runner: r, Path: "/usr/bin/sudo"}, ""},
		{"nothing", false, SessionNone, tools, nil, "sudo limabar enable --condition=boot"},
		{"unknown", false, Session("x11"), tools, nil, `unknown session "x11"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.root, tc.session, r, tc.tools)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || got != nil {
					t.Fatalf("got %#v, %v; want an error saying %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	// Without paths, each elevator runs the program where macOS keeps it.
	for _, tc := range []struct {
		root    bool
		session Session
		argv0   string
	}{
		{true, SessionTTY, "/bin/sh"},
		{false, SessionGUI, "/usr/bin/osascript"},
		{false, SessionTTY, "/usr/bin/sudo"},
	} {
		f := runner.NewFake(t, runner.Response{Match: []string{tc.argv0}})
		el, err := Choose(tc.root, tc.session, f, ChooseTools{})
		must(t, err)
		must(t, el.RunAsRoot(context.Background(), "true", "Why?"))
		if len(f.Calls) != 1 || f.Calls[0][0] != tc.argv0 {
			t.Errorf("root=%v, %s: ran %q, want %s", tc.root, tc.session, f.Calls, tc.argv0)
		}
	}

	_, err := Choose(false, SessionNone, r, tools)
	if !errors.Is(err, ErrNoPrompt) || !strings.Contains(err.Error(), "no administrator dialog and no terminal") {
		t.Errorf("err = %v, want ErrNoPrompt", err)
	}
}
