package testenv

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupPrefix starts the name of every cgroup the harness creates; the pid
// of the creating test process follows, so that a later run can tell the
// folders of a crashed run from those of a run still going.
const cgroupPrefix = "limabar-"

// cgroup is one folder, of the same name, in each cgroup hierarchy that
// systemd uses for process tracking. A systemd user manager is started
// inside it for two reasons. An unprivileged manager refuses to start unless
// it owns its cgroup. And a manager started in the root cgroup (as any
// process here is, outside a login session) takes that for its own and moves
// every process of the machine into its init.scope.
type cgroup struct {
	name  string
	paths []string
}

// systemdHierarchies returns the mount points of the hierarchies systemd
// tracks processes in: on cgroup v1 or hybrid machines (like this project's
// Debian 12 machines) the named "systemd" v1 hierarchy and, if mounted, the
// unified v2 one (usually /sys/fs/cgroup/systemd and /sys/fs/cgroup/unified);
// on cgroup v2 machines the single v2 hierarchy at /sys/fs/cgroup. The
// resource-controller hierarchies (memory, cpu, pids) are left alone: the
// manager stays in the test's own cgroups there.
func systemdHierarchies() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var named, unified []string
	seen := map[string]bool{} // a hierarchy bind-mounted twice counts once
	s := bufio.NewScanner(f)
	for s.Scan() {
		// Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		pre, post, ok := strings.Cut(s.Text(), " - ")
		if !ok {
			continue
		}
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(tail) < 3 {
			continue
		}
		mountPoint := unescapeMount(fields[4])
		if tail[0] != "cgroup2" && tail[0] != "cgroup" {
			continue
		}
		key := fields[2] + " " + fields[3] // major:minor and root
		if seen[key] {
			continue
		}
		seen[key] = true
		switch {
		case tail[0] == "cgroup2":
			unified = append(unified, mountPoint)
		case tail[0] == "cgroup" && slices.Contains(strings.Split(tail[2], ","), "name=systemd"):
			named = append(named, mountPoint)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	if len(named)+len(unified) == 0 {
		return nil, errors.New("no cgroup2 and no name=systemd cgroup hierarchy is mounted")
	}
	return append(named, unified...), nil
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// newCgroup creates the folder in every hierarchy and, when owner is not
// root, hands each folder and the files in it to owner, which is how
// systemd delegates a cgroup to a user manager.
func newCgroup(hierarchies []string, owner account) (*cgroup, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	cg := &cgroup{name: fmt.Sprintf("%s%d-%s", cgroupPrefix, os.Getpid(), hex.EncodeToString(suffix))}
	for _, h := range hierarchies {
		dir := filepath.Join(h, cg.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			cg.remove(time.Second)
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
		cg.paths = append(cg.paths, dir)
		if owner.uid == 0 {
			continue
		}
		err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, owner.uid, owner.gid)
		})
		if err != nil {
			cg.remove(time.Second)
			return nil, fmt.Errorf("delegate cgroup %s to %s: %w", dir, owner.name, err)
		}
	}
	return cg, nil
}

// procsFiles are the files a process writes its pid into to join the cgroup.
func (cg *cgroup) procsFiles() []string {
	files := make([]string, len(cg.paths))
	for i, p := range cg.paths {
		files[i] = filepath.Join(p, "cgroup.procs")
	}
	return files
}

// pids lists every process in the cgroup and the cgroups below it.
func (cg *cgroup) pids() []int {
	var pids []int
	for _, p := range cg.paths {
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.Name() != "cgroup.procs" {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil && !slices.Contains(pids, pid) {
					pids = append(pids, pid)
				}
			}
			return nil
		})
	}
	return pids
}

// kill sends SIGKILL to every process in the cgroup until none is left. The
// units a manager starts run in their own sessions, so the cgroup is the one
// complete list of what it left behind.
func (cg *cgroup) kill(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pids := cg.pids()
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v still in cgroup %s after %s", pids, cg.name, timeout)
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// remove deletes the folders, deepest first (a cgroup folder is removed with
// rmdir, never by deleting its files), retrying while the kernel still counts
// exiting processes in them.
func (cg *cgroup) remove(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var errs []error
	for _, root := range cg.paths {
		var dirs []string
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		slices.Reverse(dirs)
		for _, dir := range dirs {
			for {
				err := syscall.Rmdir(dir)
				if err == nil || errors.Is(err, syscall.ENOENT) {
					break
				}
				if time.Now().After(deadline) {
					errs = append(errs, fmt.Errorf("remove cgroup %s: %w", dir, err))
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	return errors.Join(errs...)
}

// sweepStaleCgroups kills and removes the cgroups (with whatever manager and
// units are still in them) of earlier test processes that died without
// cleaning up, e.g. on a go test timeout. Those of running test processes,
// such as another package's tests started by the same go test, are kept.
func sweepStaleCgroups(hierarchies []string) error {
	var errs []error
	seen := map[string]bool{}
	for _, h := range hierarchies {
		entries, err := os.ReadDir(h)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || seen[e.Name()] || !staleCgroupName(e.Name()) {
				continue
			}
			seen[e.Name()] = true
			cg := &cgroup{name: e.Name()}
			for _, h2 := range hierarchies {
				if _, err := os.Stat(filepath.Join(h2, e.Name())); err == nil {
					cg.paths = append(cg.paths, filepath.Join(h2, e.Name()))
				}
			}
			if err := cg.kill(5 * time.Second); err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, cg.remove(5*time.Second))
		}
	}
	return errors.Join(errs...)
}

// staleCgroupName reports whether name is a harness cgroup whose creating
// process no longer runs.
func staleCgroupName(name string) bool {
	rest, ok := strings.CutPrefix(name, cgroupPrefix)
	if !ok {
		return false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
