package lastsnap

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// sample is the snapshot whose file is testdata/last-snapshot.json.
func sample() state.Snapshot {
	return state.Snapshot{
		Platform:           autostart.Linux,
		Limactl:            "/usr/local/bin/limactl",
		LimaHome:           "/home/ada/.lima",
		SelfStart:          true,
		SelfStartSupported: true,
		Instances: []state.Instance{
			{
				Instance: lima.Instance{Name: "default", Status: "Running", Dir: "/home/ada/.lima/default",
					VMType: "qemu", Arch: "x86_64", CPUs: 4, Memory: 4 << 30, Disk: 100 << 30},
				Autostart: autostart.Status{
					Login: autostart.CondStatus{Enabled: true, Supported: true,
						Path: "/home/ada/.config/systemd/user/lima-vm@default.service",
						Problems: []autostart.Problem{{Code: "wrong-target",
							Message: "WantedBy=multi-user.target never starts in a user manager"}}},
					Boot: autostart.CondStatus{Supported: true},
				},
			},
			{
				Instance:     lima.Instance{Name: "docker", Status: "Broken", Dir: "/home/ada/.lima/docker", Errors: []string{"field `cpus` must be a number"}},
				AutostartErr: "cannot read /home/ada/.config/systemd/user: permission denied",
				Autostart:    autostart.Status{Login: autostart.CondStatus{Supported: true}},
			},
		},
	}
}

// logged is a logger whose lines the test reads.
func logged() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// TestFileText: the file is the literal text of testdata/last-snapshot.json.
func TestFileText(t *testing.T) {
	dir := t.TempDir()
	New(dir, nil).Save(sample())
	got, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "last-snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("the file is\n%s\nwant\n%s", got, want)
	}
}

// TestRoundTrip: what is saved is loaded, by another Store as at the next
// start; the health of a job is not kept.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	snap := sample()
	withHealth := sample()
	withHealth.Instances[0].Health = &health.Health{State: health.Failed, Reason: "qemu-system-x86_64 not found", Since: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}
	withHealth.Instances[0].HealthCondition = autostart.Login
	New(dir, nil).Save(withHealth)
	got, ok := New(dir, nil).Load()
	if !ok {
		t.Fatal("nothing loaded")
	}
	if !reflect.DeepEqual(got, snap) {
		t.Errorf("loaded\n%+v\nwant\n%+v", got, snap)
	}
}

// TestLoadsTheGolden: the literal file loads as the sample snapshot.
func TestLoadsTheGolden(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", "last-snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, ok := New(dir, nil).Load()
	if !ok || !reflect.DeepEqual(got, sample()) {
		t.Errorf("loaded %v\n%+v\nwant\n%+v", ok, got, sample())
	}
}

// TestMissingFile: no file, no snapshot, nothing logged.
func TestMissingFile(t *testing.T) {
	logger, buf := logged()
	if _, ok := New(t.TempDir(), logger).Load(); ok {
		t.Error("a snapshot loaded without a file")
	}
	if _, ok := New("", logger).Load(); ok {
		t.Error("a snapshot loaded without a state folder")
	}
	if buf.Len() > 0 {
		t.Errorf("logged %q", buf)
	}
}

// TestIgnoredFiles: a damaged, foreign or newer file loads nothing, says
// why in the log, and does not panic.
func TestIgnoredFiles(t *testing.T) {
	for _, c := range []struct{ name, text, log string }{
		{"empty", "", "damaged"},
		{"cut short", `{"format": "limabar-last-snapshot", "version": 1, "platform": "linux", "instances": [{"na`, "damaged"},
		{"not JSON", "\x00\x01garbage", "damaged"},
		{"another record", `{"default/login": "failing@boot1"}`, "not a LimaBar snapshot"},
		{"an array", `[1, 2, 3]`, "damaged"},
		{"newer", `{"format": "limabar-last-snapshot", "version": 2, "platform": "linux", "instances": []}`, "version 2"},
		{"no version", `{"format": "limabar-last-snapshot", "platform": "linux", "instances": []}`, "version 0"},
		{"wrong types", `{"format": "limabar-last-snapshot", "version": 1, "platform": "linux", "instances": {"default": 1}}`, "damaged"},
		{"unknown platform", `{"format": "limabar-last-snapshot", "version": 1, "platform": "plan9", "instances": []}`, "platform"},
		{"a name that is no instance's", `{"format": "limabar-last-snapshot", "version": 1, "platform": "linux", "instances": [{"name": "../../etc", "login": {}, "boot": {}}]}`, "damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(c.text), 0o600); err != nil {
				t.Fatal(err)
			}
			logger, buf := logged()
			if snap, ok := New(dir, logger).Load(); ok {
				t.Errorf("loaded %+v", snap)
			}
			if !strings.Contains(buf.String(), "last snapshot ignored") || !strings.Contains(buf.String(), c.log) {
				t.Errorf("log %q, want the reason %q", buf, c.log)
			}
		})
	}
}

// TestUnreadableFile: a file that cannot be read (a folder in its place)
// loads nothing and is logged.
func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	logger, buf := logged()
	if _, ok := New(dir, logger).Load(); ok {
		t.Error("loaded a folder")
	}
	if !strings.Contains(buf.String(), "last snapshot not read") {
		t.Errorf("log %q", buf)
	}
}

// TestPermissions: the file is the user's only (0600) whatever the umask,
// its new folder 0700, and it is replaced by a rename, never written in
// place: a file that was 0644 becomes 0600 and no temporary file is left.
func TestPermissions(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, FileName)
	New(dir, nil).Save(sample())
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	changed := sample()
	changed.SelfStart = false
	New(dir, nil).Save(changed)
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != 0o600 {
		t.Errorf("mode after a save over a 0644 file: %v, want 0600", after.Mode())
	}
	if os.SameFile(before, after) {
		t.Error("the file was written in place, not replaced")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want the file only", len(entries))
	}
}

// TestUnchangedNotWritten: saving the snapshot the file already holds
// writes nothing (the menu is read again at every change).
func TestUnchangedNotWritten(t *testing.T) {
	dir := t.TempDir()
	s := New(dir, nil)
	s.Save(sample())
	path := filepath.Join(dir, FileName)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Save(sample())
	loaded := New(dir, nil)
	if _, ok := loaded.Load(); !ok {
		t.Fatal("nothing loaded")
	}
	loaded.Save(sample())
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("an unchanged snapshot was written again")
	}
}

// TestSaveFailureIsLogged: a state folder that cannot be made (a file in
// its place) is logged, not a crash.
func TestSaveFailureIsLogged(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	logger, buf := logged()
	New(blocker, logger).Save(sample())
	if !strings.Contains(buf.String(), "last snapshot not kept") {
		t.Errorf("log %q", buf)
	}
}
