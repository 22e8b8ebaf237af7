package lima

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/runner"
)

// listOutput is `limactl list --json` in the shape Lima 1.x prints it: one
// object per line, errors as empty objects or strings.
const listOutput = `{"name":"default","hostname":"lima-default","status":"Running","dir":"/Users/alice/.lima/default","vmType":"vz","arch":"aarch64","cpuType":"","cpus":4,"memory":4294967296,"disk":107374182400,"network":[{"vzNAT":true,"interface":"lima0"}],"sshLocalPort":60022,"hostAgentPID":1234,"driverPID":1234,"config":{"vmType":"vz"},"sshAddress":"127.0.0.1","protected":false,"limaVersion":"1.2.1","HostOS":"darwin","HostArch":"aarch64","LimaHome":"/Users/alice/.lima","IdentityFile":"/Users/alice/.lima/_config/user"}
{"name":"k3s","status":"Stopped","dir":"/Users/alice/.lima/k3s","vmType":"qemu","arch":"x86_64","cpus":2,"memory":2147483648,"disk":53687091200,"errors":[{}]}

{"name":"broken","status":"Broken","dir":"/Users/alice/.lima/broken","errors":["field images must be set"]}
`

func TestParseList(t *testing.T) {
	got, err := ParseList([]byte(listOutput), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Instance{
		{Name: "default", Status: "Running", Dir: "/Users/alice/.lima/default", VMType: "vz", Arch: "aarch64", CPUs: 4, Memory: 4294967296, Disk: 107374182400},
		// Errors without a reason anywhere still make it Broken.
		{Name: "k3s", Status: "Broken", Dir: "/Users/alice/.lima/k3s", VMType: "qemu", Arch: "x86_64", CPUs: 2, Memory: 2147483648, Disk: 53687091200,
			Errors: []string{BrokenWithoutReason}},
		{Name: "broken", Status: "Broken", Dir: "/Users/alice/.lima/broken", Errors: []string{"field images must be set"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseListEmpty(t *testing.T) {
	got, err := ParseList([]byte("\n"), nil)
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
		_, err := ParseList([]byte(in), nil)
		if err == nil || !strings.Contains(err.Error(), "unexpected") {
			t.Errorf("ParseList(%q) err = %v", in, err)
		}
	}
}

func TestListRunsLimactl(t *testing.T) {
	f := runner.NewFake(t, runner.Response{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: listOutput})
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
	_, err := (&Client{Runner: runner.NewFake(t)}).List(context.Background())
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
	f := runner.NewFake(t, runner.Response{Match: []string{"limactl", "stop"}, ExitCode: 1, Stderr: "instance \"k3s\" is not running"})
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

// readTestdata reads what Lima v1.2.1's `limactl list --json` printed for
// the instances described in testdata/README.md.
func readTestdata(t *testing.T) (stdout, stderr []byte) {
	t.Helper()
	stdout, err := os.ReadFile(filepath.Join("testdata", "list-broken-v1.2.1.stdout"))
	if err != nil {
		t.Fatal(err)
	}
	stderr, err = os.ReadFile(filepath.Join("testdata", "list-broken-v1.2.1.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	return stdout, stderr
}

// realV121 is what LimaBar must make of the captured output.
var realV121 = []Instance{
	{Name: "bad", Status: StatusBroken, Dir: "/tmp/alice/.lima/bad", Errors: []string{
		"failed to unmarshal YAML (main file \"/tmp/alice/.lima/bad/lima.yaml\"): [2:12] mapping value is not allowed in this context\n" +
			"   1 | images: [\n" +
			">  2 |   this is: not: valid\n" +
			"                  ^"}},
	{Name: "bogus", Status: StatusBroken, Dir: "/tmp/alice/.lima/bogus", Errors: []string{
		"field `vmType` must be \"qemu\", \"vz\", \"wsl2\"; got \"bogus\""}},
	{Name: "default", Status: StatusStopped, Dir: "/tmp/alice/.lima/default", VMType: "qemu", Arch: "x86_64",
		CPUs: 2, Memory: 4 << 30, Disk: 100 << 30},
	{Name: "empty", Status: StatusBroken, Dir: "/tmp/alice/.lima/empty", Errors: []string{
		"field `images` must be set"}},
	{Name: "unread", Status: StatusBroken, Dir: "/tmp/alice/.lima/unread", Errors: []string{
		"open /tmp/alice/.lima/unread/lima.yaml: permission denied"}},
}

// TestParseListRealBrokenInstances: Lima v1.2.1 lists an instance whose
// lima.yaml does not load with status "" and errors [{}], and gives the
// reason only on stderr. Each such instance is Broken with its own reason;
// the good one is untouched.
func TestParseListRealBrokenInstances(t *testing.T) {
	stdout, stderr := readTestdata(t)
	got, err := ParseList(stdout, stderr)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, realV121) {
		t.Errorf("got\n%+v\nwant\n%+v", got, realV121)
	}
}

// TestParseListRealBrokenWithoutStderr: with no stderr to read, broken
// instances are still Broken, with what the JSON says or a plain reason.
func TestParseListRealBrokenWithoutStderr(t *testing.T) {
	stdout, _ := readTestdata(t)
	got, err := ParseList(stdout, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"bad":     {BrokenWithoutReason},
		"bogus":   {BrokenWithoutReason},
		"default": nil,
		"empty":   {BrokenWithoutReason},
		// The JSON of a failed open carries the path and the errno.
		"unread": {"open /tmp/alice/.lima/unread/lima.yaml: permission denied"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d instances, want %d", len(got), len(want))
	}
	for _, in := range got {
		wantStatus := StatusBroken
		if in.Name == "default" {
			wantStatus = StatusStopped
		}
		if in.Status != wantStatus || !reflect.DeepEqual(in.Errors, want[in.Name]) {
			t.Errorf("%s: got status %q errors %q, want %q %q", in.Name, in.Status, in.Errors, wantStatus, want[in.Name])
		}
	}
}

// TestListReadsStderr: List hands limactl's stderr to the parser.
func TestListReadsStderr(t *testing.T) {
	stdout, stderr := readTestdata(t)
	f := runner.NewFake(t, runner.Response{Match: []string{"limactl", "list", "--json"}, Stdout: string(stdout), Stderr: string(stderr)})
	got, err := (&Client{Limactl: "limactl", Runner: f}).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, realV121) {
		t.Errorf("got\n%+v\nwant\n%+v", got, realV121)
	}
}

func TestInstanceReasons(t *testing.T) {
	tests := []struct {
		name   string
		stderr string
		want   map[string]string
	}{
		{"none", "", map[string]string{}},
		{"other warnings", `time="2026-01-02T10:00:00Z" level=warning msg="Unknown driver: bogus"` + "\n", map[string]string{}},
		{"two instances, names with dots and dashes",
			`time="t" level=warning msg="instance \"a.b\" has errors" errors="[field ` + "`cpus`" + ` must be a number]"` + "\n" +
				`time="t" level=warning msg="instance \"c-d\" has errors" errors="[open /x/lima.yaml: permission denied]"` + "\n",
			map[string]string{"a.b": "field `cpus` must be a number", "c-d": "open /x/lima.yaml: permission denied"}},
		{"unquoted values", `level=warning msg="instance \"x\" has errors" errors=oops`, map[string]string{"x": "oops"}},
		{"empty reason", `level=warning msg="instance \"x\" has errors" errors="[]"`, map[string]string{}},
		{"another message about the instance", `level=warning msg="instance \"x\" has errors and more" errors="[e]"`, map[string]string{}},
		{"broken quoting", `level=warning msg="instance \"x\" has errors errors="[e]`, map[string]string{}},
		{"not logrus", "WARN[0000] instance \"x\" has errors\n<html>\n", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := instanceReasons([]byte(tt.stderr)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
