package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const probeUnit = `[Unit]
Description=LimaBar harness probe

[Service]
ExecStart=/bin/sleep infinity

[Install]
WantedBy=default.target
`

func TestSystemdUserRoot(t *testing.T) {
	t.Parallel()
	testSystemdUser(t, SystemdOptions{})
}

func TestSystemdUserUnprivileged(t *testing.T) {
	t.Parallel()
	testSystemdUser(t, SystemdOptions{User: "nobody"})
}

// testSystemdUser starts a manager in a subtest, so that its cleanup has run
// when the subtest returns, then checks that nothing of it is left.
func testSystemdUser(t *testing.T, opts SystemdOptions) {
	var s *Systemd
	var unitPID int
	t.Run("manager", func(t *testing.T) {
		s = SystemdUser(t, opts)
		checkManager(t, s)
		unitPID = startProbe(t, s)
	})
	if s == nil {
		return
	}
	checkGone(t, s, unitPID)
}

// checkManager checks that the manager runs as the right user and inside
// its own cgroup, never in the machine's root cgroup.
func checkManager(t *testing.T, s *Systemd) {
	t.Helper()
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.PID()), "status"))
	if err != nil {
		t.Fatal(err)
	}
	wantUID := strconv.Itoa(s.UID)
	for _, line := range strings.Split(string(status), "\n") {
		if fields := strings.Fields(line); len(fields) == 5 && fields[0] == "Uid:" && fields[1] != wantUID {
			t.Errorf("manager runs as uid %s, want %s", fields[1], wantUID)
		}
	}
	id, err := s.Run("id", "-u")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(id); got != wantUID {
		t.Errorf("Run(id -u) = %q, want %q", got, wantUID)
	}
	cgroups, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.PID()), "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(cgroups)), "\n") {
		if !strings.HasPrefix(line, "0::") && !strings.Contains(line, ":name=systemd:") {
			continue
		}
		if !strings.Contains(line, "/"+s.cgroup.name+"/") {
			t.Errorf("manager cgroup %q, want one inside /%s", line, s.cgroup.name)
		}
	}
	for _, dir := range []string{s.Home, s.RuntimeDir, s.ConfigHome} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if owner := ownerFromInfo(fi); owner.uid != s.UID {
			t.Errorf("%s owned by uid %d, want %d", dir, owner.uid, s.UID)
		}
	}
}

// startProbe enables and starts a trivial unit and returns its main pid.
func startProbe(t *testing.T, s *Systemd) int {
	t.Helper()
	dir := filepath.Join(s.ConfigHome, "systemd", "user")
	if _, err := s.Run("mkdir", "-p", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run("sh", "-c", `printf '%s' "$1" > "$2"`, "sh", probeUnit, filepath.Join(dir, "limabar-probe.service")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"daemon-reload"}, {"enable", "--now", "limabar-probe.service"}} {
		if _, err := s.Systemctl(args...); err != nil {
			t.Fatal(err)
		}
	}
	for verb, want := range map[string]string{"is-enabled": "enabled", "is-active": "active"} {
		out, err := s.Systemctl(verb, "limabar-probe.service")
		if got := strings.TrimSpace(out); err != nil || got != want {
			t.Errorf("systemctl --user %s = %q (%v), want %q", verb, got, err, want)
		}
	}
	out, err := s.Systemctl("show", "--property=MainPID", "--value", "limabar-probe.service")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || pid <= 0 {
		t.Fatalf("MainPID of the probe = %q, want a pid", out)
	}
	return pid
}

// checkGone checks that the manager, its units, cgroup and folders are gone.
func checkGone(t *testing.T, s *Systemd, pids ...int) {
	t.Helper()
	for _, pid := range append([]int{s.PID()}, pids...) {
		if pid > 0 && running(pid) {
			t.Errorf("process %d still runs after the test", pid)
		}
	}
	if left := processesMentioning(t, s.RuntimeDir); len(left) > 0 {
		t.Errorf("processes %v of the manager still run after the test", left)
	}
	for _, path := range append([]string{s.Home, s.RuntimeDir}, s.cgroup.paths...) {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s still exists after the test (%v)", path, err)
		}
	}
}

func TestSweepStaleCgroups(t *testing.T) {
	needRoot(t, "creating cgroups")
	hierarchies, err := systemdHierarchies()
	Need(t, err == nil, "a cgroup hierarchy")
	// A pid above the kernel's limit can never belong to a live process.
	stale := &cgroup{name: cgroupPrefix + "4194305-0badf00d"}
	for _, h := range hierarchies {
		dir := filepath.Join(h, stale.name, "app.slice")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stale.paths = append(stale.paths, filepath.Join(h, stale.name))
	}
	t.Cleanup(func() { stale.remove(0) })
	live, err := newCgroup(hierarchies, account{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.remove(0) })

	if err := sweepStaleCgroups(hierarchies); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale.paths {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stale cgroup %s kept (%v)", p, err)
		}
	}
	for _, p := range live.paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("cgroup %s of this process removed: %v", p, err)
		}
	}
}
