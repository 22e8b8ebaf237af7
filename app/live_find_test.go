package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

// TestLiveActsOnWhatTheMenuListed: after a snapshot, an action finds its
// instance among those listed, without asking limactl again, while the
// instance's folder (its lima.yaml) is there; once it is gone, limactl says what became of
// it. Restat reads the registrations again without limactl.
func TestLiveActsOnWhatTheMenuListed(t *testing.T) {
	fake := runner.NewFake(t)
	live := newMacLive(t, fake)
	limaHome := live.Engine.Env().LimaHome
	if err := os.WriteFile(filepath.Join(limaHome, "default", "lima.yaml"), []byte("images: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	list := `{"name":"default","status":"Stopped","dir":"` + filepath.Join(limaHome, "default") + `"}` + "\n"
	fake.Responses = []runner.Response{{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: list}}
	limactlCalls := func() int {
		return len(slices.DeleteFunc(fake.Argvs(), func(a string) bool { return !strings.HasPrefix(a, "/opt/homebrew/bin/limactl ") }))
	}
	ctx := context.Background()

	snap := live.Snapshot(ctx)
	if len(snap.Instances) != 1 || limactlCalls() != 1 {
		t.Fatalf("snapshot: %d instances, %d limactl calls", len(snap.Instances), limactlCalls())
	}
	in, err := live.Find(ctx, "default")
	if err != nil || in.Dir != filepath.Join(limaHome, "default") || limactlCalls() != 1 {
		t.Errorf("Find after a snapshot: %+v, %v, %d limactl calls; want the listed instance and no new call", in, err, limactlCalls())
	}
	again := live.Restat(ctx, snap)
	if len(again.Instances) != 1 || again.Instances[0].Name != "default" || limactlCalls() != 1 {
		t.Errorf("Restat: %+v, %d limactl calls; want the instance and no new call", again.Instances, limactlCalls())
	}

	if err := os.RemoveAll(filepath.Join(limaHome, "default")); err != nil {
		t.Fatal(err)
	}
	fake.Responses = []runner.Response{{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: ""}}
	if _, err := live.Find(ctx, "default"); err == nil || !strings.Contains(err.Error(), `no instance named "default"`) || limactlCalls() != 2 {
		t.Errorf("Find after the folder went: %v, %d limactl calls; want limactl asked and its answer", err, limactlCalls())
	}
}
