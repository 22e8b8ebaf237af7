package launchd

import (
	"reflect"
	"strings"
	"testing"

	"howett.net/plist"
)

// TestColimaJobsMatchGoldens: LimaBar's agent and daemon for a Colima
// profile, with the default COLIMA_HOME and with one that must be passed
// and escaped, against literal plists.
func TestColimaJobsMatchGoldens(t *testing.T) {
	agent := ColimaParams{Profile: "default", InstanceDir: "/Users/alice/.colima/_lima/colima", Colima: "/opt/homebrew/bin/colima",
		Limactl: "/opt/homebrew/bin/limactl", Home: "/Users/alice", User: "alice"}
	daemon := ColimaParams{Profile: "dev", InstanceDir: "/Users/alice/.colima/_lima/colima-dev", Colima: "/opt/homebrew/bin/colima",
		Limactl: "/opt/homebrew/bin/limactl", Home: "/Users/alice", User: "alice"}
	custom := ColimaParams{Profile: "dev", InstanceDir: "/Volumes/VMs/colima & <co>/_lima/colima-dev", Colima: "/usr/local/bin/colima",
		Limactl: "/Users/alice/lima/bin/limactl", Home: "/Users/alice", ColimaHome: "/Volumes/VMs/colima & <co>", User: "alice"}
	for _, tc := range []struct {
		name   string
		job    Job
		golden string
	}{
		{"agent of the default profile", ColimaAgent(agent), "colima-agent.plist"},
		{"daemon of profile dev", ColimaDaemon(daemon), "colima-daemon.plist"},
		{"daemon with a custom COLIMA_HOME", ColimaDaemon(custom), "colima-daemon-custom-home.plist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.job)
			if err != nil {
				t.Fatal(err)
			}
			if want := golden(t, tc.golden); string(got) != string(want) {
				t.Errorf("plist differs from testdata/%s:\n%s", tc.golden, got)
			}
			var m map[string]any
			if _, err := plist.Unmarshal(got, &m); err != nil {
				t.Fatalf("written plist does not decode: %v", err)
			}
			back, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.job) {
				t.Errorf("round trip:\n got %#v\nwant %#v", back, tc.job)
			}
			if _, ok := back.EnvironmentVariables["LIMA_HOME"]; ok {
				t.Error("a Colima job passes LIMA_HOME, which colima sets itself")
			}
		})
	}
}

func TestColimaParamsCheckNamesTheValue(t *testing.T) {
	p := ColimaParams{Profile: "dev", InstanceDir: "/x", Colima: "/opt/\x01/colima", Home: "/Users/a"}
	if err := p.Check(); err == nil || !strings.HasPrefix(err.Error(), "the colima path contains a character a plist cannot hold") {
		t.Errorf("got %v", err)
	}
	p = ColimaParams{Profile: "dev", InstanceDir: "/x", Colima: "/bin/colima", Home: "/Users/a", ColimaHome: "/v\xff"}
	if err := p.Check(); err == nil || !strings.HasPrefix(err.Error(), "the COLIMA_HOME path contains") {
		t.Errorf("got %v", err)
	}
}
