package lima

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/runner"
)

// listOutput is `limactl list --json` as Lima 1.x prints it: one object per
// line, errors as empty objects.
const listOutput = `{"name":"default","hostname":"lima-default","status":"Running","dir":"/Users/alice/.lima/default","vmType":"vz","arch":"aarch64","cpuType":"","cpus":4,"memory":4294967296,"disk":107374182400,"network":[{"vzNAT":true,"interface":"lima0"}],"sshLocalPort":60022,"hostAgentPID":1234,"driverPID":1234,"config":{"vmType":"vz"},"sshAddress":"127.0.0.1","protected":false,"limaVersion":"1.2.1","HostOS":"darwin","HostArch":"aarch64","LimaHome":"/Users/alice/.lima","IdentityFile":"/Users/alice/.lima/_config/user"}
{"name":"k3s","status":"Stopped","dir":"/Users/alice/.lima/k3s","vmType":"qemu","arch":"x86_64","cpus":2,"memory":2147483648,"disk":53687091200,"errors":[{}]}

{"name":"broken","status":"Broken","dir":"/Users/alice/.lima/broken","errors":["field images must be set"]}
`

func TestParseList(t *testing.T) {
	got, err := ParseList([]byte(listOutput))
	if err != nil {
		t.Fatal(err)
	}
	want := []Instance{
		{Name: "default", Status: "Running", Dir: "/Users/alice/.lima/default", VMType: "vz", Arch: "aarch64", CPUs: 4, Memory: 4294967296, Disk: 107374182400},
		{Name: "k3s", Status: "Stopped", Dir: "/Users/alice/.lima/k3s", VMType: "qemu", Arch: "x86_64", CPUs: 2, Memory: 2147483648, Disk: 53687091200},
		{Name: "broken", Status: "Broken", Dir: "/Users/alice/.lima/broken", Errors: []string{"field images must be set"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseListEmpty(t *testing.T) {
	got, err := ParseList([]byte("\n"))
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestParseListGarbage(t *testing.T) {
	for _, in := range []string{
		"WARN[0000] something\n",
		`[{"name":"a"}]`,
		`{"status":"Running"}`,
		"{\"name\":\"a\"}\n<html>",
	} {
		_, err := ParseList([]byte(in))
		if err == nil || !strings.Contains(err.Error(), "unexpected") {
			t.Errorf("ParseList(%q) err = %v", in, err)
		}
	}
}

func TestListRunsLimactl(t *testing.T) {
	f := &runner.Fake{Responses: []runner.Response{{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: listOutput}}}
	c := &Client{Limactl: "/opt/homebrew/bin/limactl", Runner: f}
	got, err := c.List(context.Background())
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d instances, %v", len(got), err)
	}
	if want := []string{"/opt/homebrew/bin/limactl list --json"}; !reflect.DeepEqual(f.Argvs(), want) {
		t.Errorf("calls %q", f.Argvs())
	}
}

func TestListWithoutLimactl(t *testing.T) {
	_, err := (&Client{Runner: &runner.Fake{}}).List(context.Background())
	if !errors.Is(err, ErrNoLimactl) {
		t.Errorf("err = %v", err)
	}
}

type hangingRunner struct{}

func (hangingRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestListTimesOut(t *testing.T) {
	c := &Client{Limactl: "/bin/limactl", Runner: hangingRunner{}, Timeout: 50 * time.Millisecond}
	start := time.Now()
	_, err := c.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestStartStopErrorsNameTheInstance(t *testing.T) {
	f := &runner.Fake{Responses: []runner.Response{{Match: []string{"limactl", "stop"}, ExitCode: 1, Stderr: "instance \"k3s\" is not running"}}}
	c := &Client{Limactl: "limactl", Runner: f}
	err := c.Stop(context.Background(), "k3s")
	if err == nil || !strings.Contains(err.Error(), `"k3s"`) || !strings.Contains(err.Error(), "is not running") {
		t.Errorf("err = %v", err)
	}
	if err := c.Restart(context.Background(), "k3s"); err == nil {
		t.Error("restart ignored the failed stop")
	}
	if got := f.Argvs(); !reflect.DeepEqual(got, []string{"limactl stop k3s", "limactl stop k3s"}) {
		t.Errorf("calls %q", got)
	}
}
