package testenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLimactlListAsNobody(t *testing.T) {
	t.Parallel()
	limactl := Limactl(t)
	home := UserDir(t, "nobody")
	limaHome := filepath.Join(home, ".lima")
	LimaInstance(t, limaHome, "foo")

	out, err := RunAs(t, "nobody", []string{"HOME=" + home, "LIMA_HOME=" + limaHome}, limactl, "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	type instance struct{ Name, Status, Dir string }
	var got []instance
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var inst instance
		if err := dec.Decode(&inst); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("limactl list --json printed %q: %v", out, err)
		}
		got = append(got, inst)
	}
	want := []instance{{Name: "foo", Status: "Stopped", Dir: filepath.Join(limaHome, "foo")}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("limactl list --json = %+v, want %+v", got, want)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 1 {
		t.Errorf("limactl list --json printed %d lines, want one object per line", n)
	}

	t.Run("refuses root", func(t *testing.T) {
		cmd := exec.Command(limactl, "list", "--json")
		cmd.Env = []string{"HOME=" + home, "LIMA_HOME=" + limaHome}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "must not run as the root user") {
			t.Errorf("limactl list as root = %q (%v), want refusal", out, err)
		}
	})
}

// TestLimactlStartAtLogin pins down what Lima v1.2.1 writes and runs for
// `limactl start-at-login`, which LimaBar's systemd engine must match.
func TestLimactlStartAtLogin(t *testing.T) {
	t.Parallel()
	limactl := Limactl(t)
	s := SystemdUser(t, SystemdOptions{User: "nobody"})
	LimaInstance(t, filepath.Join(s.Home, ".lima"), "foo")
	unitDir := filepath.Join(s.ConfigHome, "systemd", "user")
	unit := filepath.Join(unitDir, "lima-vm@foo.service")
	wants := filepath.Join(unitDir, "default.target.wants", "lima-vm@foo.service")

	if _, err := s.Run(limactl, "start-at-login", "foo"); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "lima-vm@foo.service"))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.ReplaceAll(golden, []byte("@LIMACTL@"), []byte(limactl))
	got, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("limactl wrote %s:\n%q\nwant:\n%q", unit, got, want)
	}
	fi, err := os.Stat(unit)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 || ownerFromInfo(fi).uid != s.UID {
		t.Errorf("%s has mode %v owner %d, want 0644 owned by %d", unit, fi.Mode().Perm(), ownerFromInfo(fi).uid, s.UID)
	}
	if target, err := os.Readlink(wants); err != nil || target != unit {
		t.Errorf("link %s -> %q (%v), want -> %q", wants, target, err, unit)
	}
	out, err := s.Systemctl("is-enabled", "lima-vm@foo.service")
	if got := strings.TrimSpace(out); err != nil || got != "enabled" {
		t.Errorf("is-enabled after start-at-login = %q (%v), want enabled", got, err)
	}

	if _, err := s.Run(limactl, "start-at-login", "--enabled=false", "foo"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{unit, wants} {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s still exists after start-at-login --enabled=false (%v)", path, err)
		}
	}
	out, err = s.Systemctl("is-enabled", "lima-vm@foo.service")
	if err == nil || strings.TrimSpace(out) == "enabled" {
		t.Errorf("is-enabled after --enabled=false = %q (%v), want an error", out, err)
	}
}

func TestEveryoneCanRun(t *testing.T) {
	closed := filepath.Join(t.TempDir(), "limactl")
	if err := os.WriteFile(closed, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	open, err := os.MkdirTemp(tmpRoot, "limabar-open-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(open) })
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"limactl": 0o755, "private": 0o700} {
		if err := os.WriteFile(filepath.Join(open, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path string
		want bool
	}{
		{closed, false},
		{filepath.Join(open, "limactl"), true},
		{filepath.Join(open, "private"), false},
		{filepath.Join(open, "missing"), false},
	}
	for _, tt := range tests {
		if got := everyoneCanRun(tt.path); got != tt.want {
			t.Errorf("everyoneCanRun(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
