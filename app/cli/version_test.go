package cli

import (
	"bytes"
	"runtime/debug"
	"testing"
)

func TestResolveBuild(t *testing.T) {
	vcs := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "4f2c9e1d0b7a6c5e3f1a2b3c4d5e6f708192a3b4"},
		{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  BuildInfo
	}{
		{"set by the linker", "1.2.3", "abc1234", "2026-12-01T12:00:00Z", vcs,
			BuildInfo{"1.2.3", "abc1234", "2026-12-01T12:00:00Z"}},
		{"plain go build with vcs stamping", "", "", "", vcs,
			BuildInfo{"dev", "4f2c9e1d0b7a6c5e3f1a2b3c4d5e6f708192a3b4-dirty", "2026-11-30T10:00:00Z"}},
		{"plain go build without vcs", "", "", "", &debug.BuildInfo{}, BuildInfo{"dev", "", ""}},
		{"no build information", "dev", "", "", nil, BuildInfo{"dev", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveBuild(tc.version, tc.commit, tc.date, tc.info); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	b := BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-12-01T12:00:00Z"}
	for _, tc := range []struct {
		name  string
		build BuildInfo
		args  []string
		want  string
	}{
		{"--version", b, []string{"--version"}, "limabar 1.2.3 (commit abc1234, built 2026-12-01T12:00:00Z)\n"},
		{"version", b, []string{"version"}, "limabar 1.2.3 (commit abc1234, built 2026-12-01T12:00:00Z)\n"},
		{"version --json", b, []string{"version", "--json"},
			"{\n  \"version\": \"1.2.3\",\n  \"commit\": \"abc1234\",\n  \"date\": \"2026-12-01T12:00:00Z\"\n}\n"},
		{"dev", BuildInfo{Version: "dev"}, []string{"--version"}, "limabar dev (commit unknown, built unknown)\n"},
		{"dev --json", BuildInfo{Version: "dev"}, []string{"version", "--json"},
			"{\n  \"version\": \"dev\",\n  \"commit\": \"\",\n  \"date\": \"\"\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			c := &CLI{Stdout: &out, Stderr: &errb, Version: tc.build.Version, Build: tc.build,
				Backend: func(string) (Backend, error) { t.Fatal("version asked for the backend"); return nil, nil }}
			if code := c.Run(t.Context(), tc.args); code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errb.String())
			}
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("extra argument", func(t *testing.T) {
		var out, errb bytes.Buffer
		c := &CLI{Stdout: &out, Stderr: &errb, Build: b}
		if code := c.Run(t.Context(), []string{"version", "x"}); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}
