package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestColimaUnitMatchesGolden: LimaBar's unit for a Colima profile, with
// the default COLIMA_HOME and with one that must be passed and quoted,
// against literal units.
func TestColimaUnitMatchesGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      ColimaParams
		golden string
	}{
		{"profile dev, default COLIMA_HOME", ColimaParams{Profile: "dev", Colima: "/home/linuxbrew/.linuxbrew/bin/colima",
			PATH:        "/home/linuxbrew/.linuxbrew/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
			InstanceDir: "/home/bob/.colima/_lima/colima-dev"}, "colima-dev.service"},
		{"default profile, custom COLIMA_HOME with quotes, dollar and percent", ColimaParams{Profile: "default",
			Colima:     "/home/alice/bin/colima 100%/colima",
			PATH:       "/home/alice/bin/colima 100%:/home/alice/lima/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
			ColimaHome:  `/srv/vms/"colima" $HOME`,
			InstanceDir: `/srv/vms/"colima" $HOME/_lima/colima 50%`}, "colima-default-custom-home.service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ColimaUnit(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/" + tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("unit differs from testdata/%s:\n%s", tc.golden, got)
			}
			f, err := Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Inspect(f)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{tc.p.Colima, "start", "--foreground", "--profile", tc.p.Profile}; !reflect.DeepEqual(info.ExecStart, want) {
				t.Errorf("ExecStart = %q, want %q", info.ExecStart, want)
			}
			if info.Environment["PATH"] != tc.p.PATH || info.Environment["COLIMA_HOME"] != tc.p.ColimaHome {
				t.Errorf("Environment = %q", info.Environment)
			}
			if _, ok := info.Environment["LIMA_HOME"]; ok {
				t.Error("the unit passes LIMA_HOME, which colima sets itself")
			}
		})
	}
}

func TestColimaUnitRefuses(t *testing.T) {
	for _, tc := range []struct {
		p    ColimaParams
		want string
	}{
		{ColimaParams{Profile: "dev", Colima: "/bin/co\nlima", PATH: "/bin", InstanceDir: "/d"}, "the colima path contains a character a unit file cannot hold (U+000A)"},
		{ColimaParams{Profile: "dev", Colima: "/bin/colima", PATH: "/bin", ColimaHome: "/x\n[Service]", InstanceDir: "/d"}, "the COLIMA_HOME path contains a character a unit file cannot hold (U+000A)"},
		{ColimaParams{Profile: "a b", Colima: "/bin/colima", PATH: "/bin"}, `the profile: invalid instance name "colima-a b"`},
		{ColimaParams{Profile: "dev", Colima: "/bin/colima", PATH: "/bin", InstanceDir: "/x\n[Service]"}, "the instance folder contains a character a unit file cannot hold (U+000A)"},
		{ColimaParams{Profile: "dev", Colima: "/bin/colima", PATH: "/bin"}, `the instance folder is not absolute: ""`},
	} {
		_, err := ColimaUnit(tc.p)
		if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("ColimaUnit(%+v) = %v, want %q", tc.p, err, tc.want)
		}
	}
}

// TestColimaUnitPassesSystemdAnalyze checks LimaBar's Colima unit with
// systemd's own offline checker, as TestUnitPassesSystemdAnalyze does for
// Lima's, with a colima path holding a space and a percent sign.
func TestColimaUnitPassesSystemdAnalyze(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze")
	bin := filepath.Join(t.TempDir(), "colima 100%", "colima")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    ColimaParams
	}{
		{"default profile", ColimaParams{Profile: "default", Colima: bin, PATH: "/usr/bin:/bin", InstanceDir: "/home/bob/.colima/_lima/colima"}},
		{"profile with separators, custom COLIMA_HOME", ColimaParams{Profile: "my.dev_2-x", Colima: bin, PATH: filepath.Dir(bin) + ":/usr/bin", ColimaHome: `/srv/"vms" $x 50%`, InstanceDir: `/srv/"vms" $x 50%/_lima/colima-my.dev_2-x`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := ColimaUnit(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			path := ColimaUnitPath(t.TempDir(), tc.p.Profile)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s", err, out)
			}
		})
	}
	t.Run("missing colima is caught", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope", "colima")
		data, err := ColimaUnit(ColimaParams{Profile: "dev", Colima: missing, PATH: "/bin", InstanceDir: "/d"})
		if err != nil {
			t.Fatal(err)
		}
		path := ColimaUnitPath(t.TempDir(), "dev")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
		if want := "Command " + missing + " is not executable"; err == nil || !strings.Contains(string(out), want) {
			t.Errorf("systemd-analyze verify: %v\n%s\nwant a failure holding %q", err, out, want)
		}
	})
}
