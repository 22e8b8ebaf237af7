package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
)

func colimaBackend() *profileBackend {
	off := autostart.CondStatus{Supported: true}
	on := autostart.CondStatus{Supported: true, Enabled: true}
	return &profileBackend{listBackend: listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", ColimaHome: "/home/a/.colima", Colima: "/usr/bin/colima",
		Instances: []state.Instance{
			{Instance: lima.Instance{Name: "colima", Status: "Stopped", Dir: "/home/a/.lima/colima"}, Autostart: autostart.Status{Login: off, Boot: off}},
			{Instance: lima.Instance{Name: "colima-work", Status: "Running", Dir: "/home/a/.colima/_lima/colima-work"},
				Tool: autostart.ToolColima, Profile: "work", Runtime: "containerd", Autostart: autostart.Status{Login: on, Boot: off}},
		}}}}
}

// profileBackend lists fixed instances and records what enable asks for.
type profileBackend struct {
	listBackend
	enabled []string
}

func (b *profileBackend) EnableAs(_ context.Context, name string, c autostart.Condition, _ autostart.EnableOptions) (autostart.Result, error) {
	b.enabled = append(b.enabled, name+" "+string(c))
	return autostart.Result{Changed: true, Message: name + " will start at " + string(c)}, nil
}

func TestListColimaProfiles(t *testing.T) {
	code, stdout, _ := run(colimaBackend(), "list")
	want := "NAME         STATUS   LOGIN  BOOT  HEALTH  PROBLEMS\n" +
		"colima       Stopped  off    off   -       0\n" +
		"colima:work  Running  on     off   -       0\n"
	if code != 0 || stdout != want {
		t.Errorf("got exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
	}
	code, stdout, _ = run(colimaBackend(), "list", "--json")
	for _, want := range []string{
		`"name": "colima",
    "id": "colima",
    "tool": "lima",
    "profile": "",
    "status": "Stopped",`,
		`"name": "colima-work",
    "id": "colima:work",
    "tool": "colima",
    "profile": "work",
    "runtime": "containerd",
    "status": "Running",`,
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("list --json: exit %d, stdout:\n%s\nwant it to hold:\n%s", code, stdout, want)
		}
	}
}

// TestEnableAColimaProfile: enable takes a profile by its ID, and refuses
// an ID whose profile is no Lima name before anything is read.
// TestListBrewServices: list --json names brew's job of a profile that
// brew services starts, and says nothing of it for the others.
func TestListBrewServices(t *testing.T) {
	b := colimaBackend()
	b.snap.Instances[1].BrewServices = "/home/a/.config/systemd/user/homebrew.colima.service"
	code, stdout, _ := run(b, "list", "--json")
	want := `"runtime": "containerd",
    "brewServices": "/home/a/.config/systemd/user/homebrew.colima.service",
    "status": "Running",`
	if code != 0 || !strings.Contains(stdout, want) || strings.Count(stdout, "brewServices") != 1 {
		t.Errorf("list --json: exit %d, stdout:\n%s\nwant it to hold, once:\n%s", code, stdout, want)
	}
}

func TestEnableAColimaProfile(t *testing.T) {
	b := colimaBackend()
	code, stdout, stderr := run(b, "enable", "--condition=boot", "colima:work")
	if code != 0 || stdout != "colima:work will start at boot\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = run(b, "enable", "--take-over", "colima:default")
	if code != 0 || stderr != "" {
		t.Errorf("--take-over: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(b, "enable", "colima:a/../b")
	if code != 2 || !strings.Contains(stderr, `Colima profile "a/../b"`) {
		t.Errorf("bad profile: exit %d, stderr %q", code, stderr)
	}
	if want := []string{"colima:work boot", "colima:default login"}; strings.Join(b.enabled, ",") != strings.Join(want, ",") {
		t.Errorf("enabled %q, want %q", b.enabled, want)
	}
}
