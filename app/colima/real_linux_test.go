package colima

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/scripts/testenv"
)

// asUser runs commands as an unprivileged account (limactl refuses root)
// with env as their whole environment.
type asUser struct {
	t    *testing.T
	name string
	env  []string
}

func (r asUser) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, _, err := r.RunStderr(ctx, name, args...)
	return out, err
}

func (r asUser) RunStderr(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
	cmd := testenv.CommandAs(r.t, r.name, r.env, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		err = &runner.Error{Argv: append([]string{name}, args...), ExitCode: code,
			Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// TestRealColima runs Colima v0.10.1 and Lima's limactl as they are
// installed, without QEMU: the profiles LimaBar lists are those `colima
// list --json` lists, `colima status` says a profile is not running, and
// Start runs `colima start --profile P`, which fails for want of QEMU, or
// of limactl, and says so.
func TestRealColima(t *testing.T) {
	prefix := testenv.ColimaPrefix(t)
	home := testenv.UserDir(t, "nobody")
	colimaHome := filepath.Join(home, ".colima")
	testenv.ColimaProfile(t, colimaHome, "default", "docker")
	testenv.ColimaProfile(t, colimaHome, "work", "containerd")
	// A Lima instance called colima in Lima's own home is not Colima's.
	testenv.LimaInstance(t, filepath.Join(home, ".lima"), "colima")

	base := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LIMA_HOME=" + filepath.Join(home, ".lima")}
	limactl := filepath.Join(prefix, "bin", "limactl")
	colimaEnv := Environ(base, colimaHome, limactl)
	c := &Client{
		Colima:  filepath.Join(prefix, "bin", "colima"),
		Home:    colimaHome,
		Limactl: &lima.Client{Limactl: limactl, Runner: asUser{t, "nobody", append(colimaEnv, "LIMA_HOME="+filepath.Join(colimaHome, "_lima"))}},
		Runner:  asUser{t, "nobody", colimaEnv},
	}
	ctx := context.Background()

	got, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Profile{
		{Instance: lima.Instance{Name: "colima", Status: "Stopped", Dir: filepath.Join(colimaHome, "_lima", "colima")}, Profile: "default", Runtime: "docker"},
		{Instance: lima.Instance{Name: "colima-work", Status: "Stopped", Dir: filepath.Join(colimaHome, "_lima", "colima-work")}, Profile: "work", Runtime: "containerd"},
	}
	for i := range got {
		// limactl's own figures for a lima.yaml of defaults.
		got[i].VMType, got[i].Arch, got[i].CPUs, got[i].Memory, got[i].Disk = "", "", 0, 0, 0
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List:\ngot  %+v\nwant %+v", got, want)
	}

	out, err := c.Runner.Run(ctx, c.Colima, "list", "--json")
	if err != nil {
		t.Fatalf("colima list --json: %v", err)
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var p struct{ Name, Status string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("colima list --json printed %q: %v", out, err)
		}
		listed = append(listed, p.Name+" "+p.Status)
	}
	if want := []string{"default Stopped", "work Stopped"}; !reflect.DeepEqual(listed, want) {
		t.Errorf("colima list --json lists %q, want %q", listed, want)
	}

	_, err = c.Runner.Run(ctx, c.Colima, "status", "--profile", "work")
	if msg := FatalMessage([]byte(stderrOf(err))); msg != "colima [profile=work] is not running" {
		t.Errorf("colima status --profile work: %v; fatal line %q", err, msg)
	}

	err = c.Start(ctx, "work")
	wantErr := `failed to start Colima profile "work": error in config: cannot use vmType: 'qemu', error: qemu-img not found, run 'brew install qemu' to install (exit status 1)`
	if err == nil || err.Error() != wantErr {
		t.Errorf("Start: %v\nwant %s", err, wantErr)
	}

	// Without limactl on PATH colima stops at once and says so.
	noLima := &Client{Colima: c.Colima, Home: colimaHome, Runner: asUser{t, "nobody", Environ(base, colimaHome, "")}}
	err = noLima.Start(ctx, "work")
	wantErr = `failed to start Colima profile "work": lima compatibility error: error checking Lima version: exec: "limactl": executable file not found in $PATH (exit status 1)`
	if err == nil || err.Error() != wantErr {
		t.Errorf("Start without limactl: %v\nwant %s", err, wantErr)
	}
}

func stderrOf(err error) string {
	var re *runner.Error
	if errors.As(err, &re) {
		return re.Stderr
	}
	return ""
}
