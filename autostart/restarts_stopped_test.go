package autostart

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// TestStopRetryingUndoneBySwitch: Stop Retrying boots the failing login
// agent out of the gui domain, and LimaBar keeps a record of it; turning
// Start at Login off and on then loads the agent again (`launchctl
// bootstrap`, RunAtLoad starts it) and forgets the record. Without the
// record, turning the switch on registers the agent for the next login
// and loads nothing: it does not start a stopped VM.
func TestStopRetryingUndoneBySwitch(t *testing.T) {
	for _, stopped := range []bool{true, false} {
		name := map[bool]string{true: "after Stop Retrying", false: "without it"}[stopped]
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, Darwin)
			m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
			r := &launchdmodel.Runner{Model: m, Launchctl: "launchctl"}
			f.env.Runner = r
			f.rebuild(t)
			ctx := context.Background()
			gui := launchd.GUIDomain(f.env.UID)
			target := launchd.Target(gui, launchd.AgentLabel("default"))
			_, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
			must(t, err)
			data, err := os.ReadFile(f.agentPath())
			must(t, err)
			job, err := launchd.Decode(data)
			must(t, err)

			// The login: launchd loads the agent, which fails at every
			// run; Stop Retrying boots it out and keeps the record.
			m.Load(gui, f.agentPath(), job)
			must(t, m.ProcessExits(target, 1))
			if res := m.Launchctl("bootout", target); res.Code != 0 {
				t.Fatalf("bootout: %+v", res)
			}
			record := RestartsStoppedPath(f.env.StateDir, "default")
			if stopped {
				must(t, os.MkdirAll(filepath.Dir(record), 0o700))
				must(t, os.WriteFile(record, nil, 0o600))
			}

			_, err = f.m.Disable(ctx, f.inst, Login)
			must(t, err)
			res, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
			must(t, err)
			j, loaded := m.Job(target)
			bootstrap := "launchctl bootstrap " + gui + " " + f.agentPath()
			if !stopped {
				if loaded || slices.Contains(r.Calls(), bootstrap) {
					t.Errorf("the switch loaded an agent whose restarts LimaBar did not stop: %+v; calls %q", j, r.Calls())
				}
				if res.Message != "default will start at login" {
					t.Errorf("message %q", res.Message)
				}
				return
			}
			if !loaded || j.State != launchdmodel.Running || j.Path != f.agentPath() {
				t.Errorf("after the switch off and on the agent is %+v (loaded %v), want running from %s", j, loaded, f.agentPath())
			}
			if !slices.Contains(r.Calls(), bootstrap) {
				t.Errorf("no %q in %q", bootstrap, r.Calls())
			}
			if _, err := os.Stat(record); !os.IsNotExist(err) {
				t.Errorf("the record is still there: %v", err)
			}
			if want := "default will start at login, and its job, whose restarts were stopped, is loaded again and starts now"; res.Message != want {
				t.Errorf("message %q, want %q", res.Message, want)
			}
			// Once loaded, the switch loads nothing more.
			before := len(r.Calls())
			_, err = f.m.Enable(ctx, f.inst, Login, EnableOptions{})
			must(t, err)
			for _, c := range r.Calls()[before:] {
				if strings.HasPrefix(c, "launchctl bootstrap") {
					t.Errorf("a second Enable ran %q", c)
				}
			}
		})
	}
}

// TestStopRetryingRecordGoesWhenLoaded: the agent was loaded again in the
// meantime (a new login, or Lima 2's `limactl start`): turning the switch
// on does not bootstrap it twice, and forgets the record.
func TestStopRetryingRecordGoesWhenLoaded(t *testing.T) {
	f := newFixture(t, Darwin)
	m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
	r := &launchdmodel.Runner{Model: m, Launchctl: "launchctl"}
	f.env.Runner = r
	f.rebuild(t)
	ctx := context.Background()
	_, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	data, err := os.ReadFile(f.agentPath())
	must(t, err)
	job, err := launchd.Decode(data)
	must(t, err)
	m.Load(launchd.GUIDomain(f.env.UID), f.agentPath(), job)
	record := RestartsStoppedPath(f.env.StateDir, "default")
	must(t, os.MkdirAll(filepath.Dir(record), 0o700))
	must(t, os.WriteFile(record, nil, 0o600))

	_, err = f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	must(t, err)
	for _, c := range r.Calls() {
		if strings.HasPrefix(c, "launchctl bootstrap") {
			t.Errorf("ran %q for a loaded agent", c)
		}
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("the record is still there: %v", err)
	}
}
