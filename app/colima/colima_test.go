package colima

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart/runner"
)

func TestParseRuntime(t *testing.T) {
	defaults, err := os.ReadFile("testdata/colima-v0.10.1-defaults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k3s := strings.Replace(string(defaults), "runtime: docker", "runtime: containerd", 1)
	k3s = strings.Replace(k3s, "  enabled: false\n\n  # Kubernetes version", "  enabled: true\n\n  # Kubernetes version", 1)
	for _, c := range []struct{ name, yaml, want string }{
		{"colima's defaults", string(defaults), "docker"},
		{"containerd with kubernetes", k3s, "containerd+k3s"},
		{"incus", "runtime: incus\n", "incus"},
		{"none", "runtime: none\nkubernetes:\n  enabled: true\n", "none"},
		{"quoted, with a comment", "runtime: \"containerd\" # the runtime\n", "containerd"},
		{"enabled outside kubernetes", "runtime: docker\nnetwork:\n  enabled: true\n", "docker"},
		{"unknown runtime", "runtime: podman\n", ""},
		{"no runtime", "cpu: 2\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ParseRuntime([]byte(c.yaml)); got != c.want {
				t.Errorf("ParseRuntime = %q, want %q", got, c.want)
			}
		})
	}
	if !strings.Contains(k3s, "runtime: containerd") || !strings.Contains(k3s, "  enabled: true\n") {
		t.Fatal("the k3s variant of the defaults was not made")
	}
}

func TestRuntimeFromInstanceThenProfile(t *testing.T) {
	home := t.TempDir()
	inst := filepath.Join(home, "_lima", "colima-work")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := Runtime(inst, home, "work"); got != "" {
		t.Errorf("without colima.yaml: %q", got)
	}
	write(filepath.Join(home, "work", "colima.yaml"), "runtime: containerd\n")
	if got := Runtime(inst, home, "work"); got != "containerd" {
		t.Errorf("from the profile's colima.yaml: %q, want containerd", got)
	}
	write(filepath.Join(inst, "colima.yaml"), "runtime: docker\n")
	if got := Runtime(inst, home, "work"); got != "docker" {
		t.Errorf("from the instance's colima.yaml: %q, want docker", got)
	}
	write(filepath.Join(home, "default", "colima.yaml"), "runtime: incus\n")
	if got := Runtime(filepath.Join(home, "_lima", "colima"), home, "default"); got != "incus" {
		t.Errorf("default profile: %q, want incus", got)
	}
}

func TestProfilesKeepsColimasInstances(t *testing.T) {
	home := "/Users/alice/.colima"
	list := []lima.Instance{
		{Name: "colima", Status: "Running", Dir: home + "/_lima/colima"},
		{Name: "colima-work", Status: "Stopped"},
		{Name: "default", Status: "Stopped", Dir: home + "/_lima/default"},
		{Name: "colimax", Status: "Stopped"},
	}
	got := Profiles(list, home)
	want := []Profile{
		{Instance: lima.Instance{Name: "colima", Status: "Running", Dir: home + "/_lima/colima"}, Profile: "default"},
		{Instance: lima.Instance{Name: "colima-work", Status: "Stopped", Dir: home + "/_lima/colima-work"}, Profile: "work"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestActionsRunColima(t *testing.T) {
	for _, c := range []struct {
		verb string
		do   func(*Client, context.Context, string) error
	}{
		{"start", (*Client).Start},
		{"stop", (*Client).Stop},
		{"restart", (*Client).Restart},
	} {
		t.Run(c.verb, func(t *testing.T) {
			f := runner.NewFake(t, runner.Response{Match: []string{"/opt/homebrew/bin/colima", c.verb, "--profile", "work"}})
			cl := &Client{Colima: "/opt/homebrew/bin/colima", Runner: f}
			if err := c.do(cl, context.Background(), "work"); err != nil {
				t.Fatal(err)
			}
			if want := []string{"/opt/homebrew/bin/colima " + c.verb + " --profile work"}; !reflect.DeepEqual(f.Argvs(), want) {
				t.Errorf("calls %q, want %q", f.Argvs(), want)
			}
		})
	}
}

func TestStartFailureSaysColimasReason(t *testing.T) {
	stderr, err := os.ReadFile("testdata/start-no-qemu-v0.10.1.stderr")
	if err != nil {
		t.Fatal(err)
	}
	f := runner.NewFake(t, runner.Response{Match: []string{"colima", "start", "--profile", "work"},
		Stderr: string(stderr), ExitCode: 1})
	err = (&Client{Colima: "colima", Runner: f}).Start(context.Background(), "work")
	want := `failed to start Colima profile "work": error in config: cannot use vmType: 'qemu', error: qemu-img not found, run 'brew install qemu' to install (exit status 1)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestActionsRefuse(t *testing.T) {
	if err := (&Client{Runner: runner.NewFake(t)}).Start(context.Background(), "work"); !errors.Is(err, ErrNoColima) {
		t.Errorf("without colima: %v", err)
	}
	if err := (&Client{Colima: "colima", Runner: runner.NewFake(t)}).Stop(context.Background(), "a/../b"); err == nil {
		t.Error("a profile that is no Lima name: no error")
	}
}

func TestFatalMessage(t *testing.T) {
	stderr := "time=\"2026-12-08T01:48:14Z\" level=fatal msg=\"failed to find \\\"lima-guestagent.Linux-x86_64\\\" binary\"\n" +
		"time=\"2026-12-08T01:48:14Z\" level=fatal msg=\"lima compatibility error: error checking Lima version: exit status 1\"\n"
	if got, want := FatalMessage([]byte(stderr)), "lima compatibility error: error checking Lima version: exit status 1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := FatalMessage([]byte("time=\"x\" level=warning msg=\"already running, ignoring\"\n")); got != "" {
		t.Errorf("no fatal line: %q", got)
	}
}

func TestEnviron(t *testing.T) {
	base := []string{"HOME=/Users/alice", "LIMA_HOME=/Users/alice/.lima", "COLIMA_HOME=/old", "PATH=/usr/bin:/bin"}
	got := Environ(base, "/Volumes/x/colima", "/opt/homebrew/bin/limactl")
	want := []string{"HOME=/Users/alice", "PATH=/opt/homebrew/bin:/usr/bin:/bin", "COLIMA_HOME=/Volumes/x/colima"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got = Environ([]string{"PATH=/opt/homebrew/bin:/bin"}, "", "/opt/homebrew/bin/limactl")
	if want := []string{"PATH=/opt/homebrew/bin:/bin"}; !reflect.DeepEqual(got, want) {
		t.Errorf("limactl's folder already on PATH: got %q, want %q", got, want)
	}
}

func TestShellArgv(t *testing.T) {
	got := ShellArgv("/opt/homebrew/bin/colima", "/Users/alice/.colima", "work")
	want := []string{"/usr/bin/env", "-u", "LIMA_HOME", "COLIMA_HOME=/Users/alice/.colima", "/opt/homebrew/bin/colima", "ssh", "--profile", "work"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
