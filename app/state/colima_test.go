package state

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/colima"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// colimaWorld is a Linux home with a Lima instance called colima in
// ~/.lima and Colima's profiles default (docker) and work (containerd) in
// ~/.colima/_lima, each limactl answering for its own home.
type colimaWorld struct {
	home                            string
	live                            *Live
	limaFake, colimaLima, colimaRun *runner.Fake
}

func newColimaWorld(t *testing.T) *colimaWorld {
	t.Helper()
	home := t.TempDir()
	w := &colimaWorld{home: home}
	limaDir := filepath.Join(home, ".lima", "colima")
	defDir := filepath.Join(home, ".colima", "_lima", "colima")
	workDir := filepath.Join(home, ".colima", "_lima", "colima-work")
	for _, d := range []string{limaDir, defDir, workDir} {
		put(t, filepath.Join(d, "lima.yaml"), "images: []\n")
	}
	put(t, filepath.Join(defDir, "colima.yaml"), "runtime: docker\n")
	put(t, filepath.Join(home, ".colima", "work", "colima.yaml"), "runtime: containerd\nkubernetes:\n  enabled: true\n")
	w.limaFake = &runner.Fake{Responses: []runner.Response{
		{Match: []string{"limactl", "list", "--json"}, Stdout: `{"name":"colima","status":"Stopped","dir":"` + limaDir + `"}` + "\n"},
		{Match: []string{"limactl", "start", "colima"}},
	}}
	w.colimaLima = &runner.Fake{Responses: []runner.Response{
		{Match: []string{"limactl", "list", "--json"}, Stdout: `{"name":"colima","status":"Running","dir":"` + defDir + `"}` + "\n" +
			`{"name":"colima-work","status":"Stopped","dir":"` + workDir + `"}` + "\n"},
	}}
	w.colimaRun = &runner.Fake{Responses: []runner.Response{
		{Match: []string{"colima", "start", "--profile", "work"}},
		{Match: []string{"colima", "stop", "--profile", "default"}},
		{Match: []string{"colima", "restart", "--profile", "default"}},
	}}
	engine, err := autostart.New(autostart.Env{
		Platform: autostart.Linux, Home: home, ConfigHome: filepath.Join(home, ".config"),
		StateDir: filepath.Join(home, ".local", "state", "limabar"), LingerDir: filepath.Join(home, "linger"),
		UID: 1000, User: "alice", Limactl: "limactl", LimaHome: filepath.Join(home, ".lima"),
		ColimaHome: filepath.Join(home, ".colima"), Colima: "colima",
		Tools: autostart.LinuxTools, Runner: &runner.Fake{},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.live = &Live{
		Platform: autostart.Linux,
		Lima:     &lima.Client{Limactl: "limactl", LimaHome: filepath.Join(home, ".lima"), Runner: w.limaFake},
		Colima: &colima.Client{Colima: "colima", Home: filepath.Join(home, ".colima"),
			Limactl: &lima.Client{Limactl: "limactl", Runner: w.colimaLima}, Runner: w.colimaRun},
		Engine: engine,
	}
	return w
}

// TestSnapshotListsBothHomes: LIMA_HOME's instances, then Colima's
// profiles with their runtime; a Lima instance called colima stays Lima's.
func TestSnapshotListsBothHomes(t *testing.T) {
	w := newColimaWorld(t)
	s := w.live.Snapshot(context.Background())
	if s.ListErr != "" || s.ColimaListErr != "" {
		t.Fatalf("list errors: %q, %q", s.ListErr, s.ColimaListErr)
	}
	type row struct{ ID, Label, Name, Status, Runtime string }
	var got []row
	for _, in := range s.Instances {
		got = append(got, row{in.ID(), in.Label(), in.Name, in.Status, in.Runtime})
	}
	want := []row{
		{"colima", "colima", "colima", "Stopped", ""},
		{"colima:default", "default", "colima", "Running", "docker"},
		{"colima:work", "work", "colima-work", "Stopped", "containerd+k3s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("instances:\ngot  %+v\nwant %+v", got, want)
	}
	if s.ColimaHome != filepath.Join(w.home, ".colima") || s.Colima != "colima" {
		t.Errorf("ColimaHome %q, Colima %q", s.ColimaHome, s.Colima)
	}
	if tgt := s.Instances[2].Target(); tgt != (autostart.Instance{Name: "colima-work", Dir: filepath.Join(w.home, ".colima", "_lima", "colima-work"),
		Tool: autostart.ToolColima, Profile: "work"}) {
		t.Errorf("Target = %+v", tgt)
	}
}

// TestFindTellsColimaFromLima: the ID says which home; a name alone is
// LIMA_HOME's, as before Colima was known.
func TestFindTellsColimaFromLima(t *testing.T) {
	w := newColimaWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		want autostart.Instance
	}{
		{"colima", autostart.Instance{Name: "colima", Dir: filepath.Join(w.home, ".lima", "colima")}},
		{"colima:default", autostart.Instance{Name: "colima", Dir: filepath.Join(w.home, ".colima", "_lima", "colima"), Tool: autostart.ToolColima, Profile: "default"}},
		{"colima:work", autostart.Instance{Name: "colima-work", Dir: filepath.Join(w.home, ".colima", "_lima", "colima-work"), Tool: autostart.ToolColima, Profile: "work"}},
	} {
		t.Run(c.id, func(t *testing.T) {
			got, err := w.live.Find(ctx, c.id)
			if err != nil || got != c.want {
				t.Errorf("Find(%q) = %+v, %v; want %+v", c.id, got, err, c.want)
			}
		})
	}
	if _, err := w.live.Find(ctx, "colima:gone"); err == nil || !strings.Contains(err.Error(), "profiles: default, work") {
		t.Errorf("Find(colima:gone) = %v, want the profiles there are", err)
	}
	if _, err := w.live.Find(ctx, "colima:a/../b"); err == nil {
		t.Error("Find of a profile that is no Lima name: no error")
	}
}

// TestPowerActionsGoThroughColima: Start, Stop and Restart of a profile
// run colima with --profile; the Lima instance of the same name is
// limactl's.
func TestPowerActionsGoThroughColima(t *testing.T) {
	w := newColimaWorld(t)
	ctx := context.Background()
	if err := w.live.Start(ctx, "colima:work"); err != nil {
		t.Fatal(err)
	}
	if err := w.live.Stop(ctx, "colima:default"); err != nil {
		t.Fatal(err)
	}
	if err := w.live.Restart(ctx, "colima:default"); err != nil {
		t.Fatal(err)
	}
	if err := w.live.Start(ctx, "colima"); err != nil {
		t.Fatal(err)
	}
	if got, want := w.colimaRun.Argvs(), []string{"colima start --profile work", "colima stop --profile default", "colima restart --profile default"}; !reflect.DeepEqual(got, want) {
		t.Errorf("colima ran %q, want %q", got, want)
	}
	if got, want := w.limaFake.Argvs(), []string{"limactl start colima"}; !reflect.DeepEqual(got, want) {
		t.Errorf("limactl ran %q, want %q", got, want)
	}
}

// TestNoColimaHomeNoColima: without Colima's Lima home nothing of Colima
// is listed or run, and the snapshot is the one LimaBar made before.
func TestNoColimaHomeNoColima(t *testing.T) {
	w := newColimaWorld(t)
	if err := os.RemoveAll(filepath.Join(w.home, ".colima")); err != nil {
		t.Fatal(err)
	}
	s := w.live.Snapshot(context.Background())
	if len(s.Instances) != 1 || s.Instances[0].ID() != "colima" || s.ColimaHome != "" || s.Colima != "" {
		t.Errorf("snapshot %+v, want the Lima instance alone and no Colima", s)
	}
	if calls := w.colimaLima.Argvs(); len(calls) != 0 {
		t.Errorf("limactl ran on Colima's home: %q", calls)
	}
}

// TestKeepLastInstancesKeepsLimasOnly: a failed list of LIMA_HOME keeps
// its instances from before, beside Colima's profiles as listed now.
func TestKeepLastInstancesKeepsLimasOnly(t *testing.T) {
	lima1 := Instance{Instance: lima.Instance{Name: "default", Status: "Running"}}
	oldWork := Instance{Instance: lima.Instance{Name: "colima-work", Status: "Running"}, Tool: autostart.ToolColima, Profile: "work"}
	newWork := oldWork
	newWork.Status = "Stopped"
	prev := Snapshot{Limactl: "limactl", LimaHome: "/h/.lima", Instances: []Instance{lima1, oldWork}}
	s := Snapshot{Limactl: "limactl", LimaHome: "/h/.lima", ListErr: "limactl list did not answer", Instances: []Instance{newWork}}
	got := s.KeepLastInstances(&prev)
	if !got.InstancesStale || !reflect.DeepEqual(got.Instances, []Instance{lima1, newWork}) {
		t.Errorf("got %+v, stale %v; want default as before and work as now", got.Instances, got.InstancesStale)
	}
	if len(prev.Instances) != 2 || prev.Instances[1].Status != "Running" {
		t.Errorf("prev changed: %+v", prev.Instances)
	}
}

func put(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, text)
}

func TestJobNamesOfAColimaProfile(t *testing.T) {
	lim := autostart.Instance{Name: "colima"}
	col := autostart.Instance{Name: "colima-work", Tool: autostart.ToolColima, Profile: "work"}
	for _, c := range []struct{ got, want string }{
		{UnitName(lim), "lima-vm@colima.service"},
		{UnitName(col), "limabar-colima@work.service"},
		{AgentLabel(lim), "io.lima-vm.autostart.colima"},
		{AgentLabel(col), "io.github.limabar.colima.autostart.work"},
		{DaemonLabel(lim), "io.lima-vm.daemon.colima"},
		{DaemonLabel(col), "io.github.limabar.colima.daemon.work"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for unit, want := range map[string]bool{"lima-vm@default.service": true, "limabar-colima@work.service": true, "homebrew.colima.service": false, "dbus.service": false} {
		if IsJobUnit(unit) != want {
			t.Errorf("IsJobUnit(%q) = %v, want %v", unit, !want, want)
		}
	}
}

func TestInstanceHomes(t *testing.T) {
	s := Snapshot{LimaHome: "/h/.lima"}
	if got := s.InstanceHomes(); !reflect.DeepEqual(got, []string{"/h/.lima"}) {
		t.Errorf("without Colima: %q", got)
	}
	s.ColimaHome = "/h/.colima"
	if got, want := s.InstanceHomes(), []string{"/h/.lima", "/h/.colima/_lima"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with Colima: %q, want %q", got, want)
	}
}

// TestDisableAProfileGone: a profile Colima no longer lists can still
// have its registration removed, with a warning saying why, as a Lima
// instance can.
func TestDisableAProfileGone(t *testing.T) {
	w := newColimaWorld(t)
	p, err := w.live.PlanDisable(context.Background(), "colima:gone", autostart.Login)
	if err != nil {
		t.Fatal(err)
	}
	want := `no Colima profile "gone" (profiles: default, work); removing the registration anyway`
	if p.Result.Warning != want {
		t.Errorf("warning %q, want %q", p.Result.Warning, want)
	}
	if _, err := w.live.PlanDisable(context.Background(), "colima:a/../b", autostart.Login); err == nil {
		t.Error("a profile that is no Lima name: no error")
	}
}
