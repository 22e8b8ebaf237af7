package autostart

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/systemd"
)

// writeFiles creates each file under dir with its content; a name ending
// in "/" is a folder.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			must(t, os.MkdirAll(path, 0o755))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

func encodeJob(t *testing.T, j launchd.Job) string {
	t.Helper()
	data, err := launchd.Encode(j)
	must(t, err)
	return string(data)
}

// TestDarwinRegistered finds every agent and this account's daemons by
// their file names, whatever instance limactl lists, and nothing else in
// those folders.
func TestDarwinRegistered(t *testing.T) {
	f := newFixture(t, Darwin)
	other := filepath.Join(f.tmp, "other-lima")
	writeFiles(t, other, map[string]string{"elsewhere/lima.yaml": "images: []\n"})
	params := func(name, limaHome string) launchd.Params {
		p := launchd.Params{Name: name, InstanceDir: filepath.Join(f.env.LimaHome, name), Limactl: f.limctl, Home: f.env.Home, User: f.env.User, LimaHome: limaHome}
		if limaHome != "" {
			p.InstanceDir = filepath.Join(limaHome, name)
		}
		return p
	}
	agent := func(name, limaHome string) string { return encodeJob(t, launchd.Agent(params(name, limaHome))) }
	daemon := func(name, user string) string {
		p := params(name, "")
		p.User = user
		return encodeJob(t, launchd.Daemon(p))
	}
	writeFiles(t, f.env.LaunchAgentsDir(), map[string]string{
		"io.lima-vm.autostart.default.plist":             agent("default", ""),
		"io.lima-vm.autostart.gone.plist":                agent("gone", ""),
		"io.lima-vm.autostart.my.vm-2.plist":             agent("my.vm-2", ""),
		"io.lima-vm.autostart.broken.plist":              "not a plist",
		"io.lima-vm.autostart.elsewhere.plist":           agent("elsewhere", other),
		"io.lima-vm.autostart.elsewhere-gone.plist":      agent("elsewhere-gone", other),
		".io.lima-vm.autostart.gone.plist.tmp-123":       agent("gone", ""),
		"io.lima-vm.autostart.bad name.plist":            "x",
		"io.lima-vm.autostart..plist":                    "x",
		"io.lima-vm.autostart.plist":                     "x",
		"io.lima-vm.autostart.x.plist.bak":               "x",
		"io.lima-vm.autostart.x.plist.tmp-1":             "x",
		"io.lima-vm.daemon.inagents.plist":               "x",
		"com.example.other.plist":                        "x",
		"io.lima-vm.autostart.folder.plist/":             "",
		"io.lima-vm.autostart.folder.plist/nested.plist": "x",
	})
	writeFiles(t, f.env.LaunchDaemonsDir, map[string]string{
		"io.lima-vm.daemon.old.plist":                             daemon("old", f.env.User),
		"io.lima-vm.daemon.ci.plist":                              daemon("ci", "ci"),
		"io.lima-vm.daemon.asroot.plist":                          daemon("asroot", "root"),
		"io.lima-vm.daemon.broken.plist":                          "not a plist",
		".io.lima-vm.daemon.old.plist.tmp-9":                      "x",
		"io.lima-vm.autostart.indaemons.plist":                    "x",
		"io.lima-vm.daemon.a$(id).plist":                          "x",
		"io.lima-vm.daemon." + strings.Repeat("a", 77) + ".plist": "x",
	})
	agentPath := func(n string) string {
		return filepath.Join(f.env.LaunchAgentsDir(), "io.lima-vm.autostart."+n+".plist")
	}
	daemonPath := func(n string) string { return filepath.Join(f.env.LaunchDaemonsDir, "io.lima-vm.daemon."+n+".plist") }
	want := []Registration{
		// A daemon that runs as root belongs to no other account: it shows
		// on this account, as in Status.
		{Name: "asroot", Condition: Boot, Path: daemonPath("asroot")},
		// What cannot be read cannot be said to be gone.
		{Name: "broken", Condition: Boot, Path: daemonPath("broken"), Unverified: unreadableJob},
		{Name: "broken", Condition: Login, Path: agentPath("broken"), Unverified: unreadableJob},
		// Its folder is there: not gone, whatever limactl lists.
		{Name: "default", Condition: Login, Path: agentPath("default"), Unverified: "its folder " + f.inst.Dir + " still exists"},
		{Name: "elsewhere", Condition: Login, Path: agentPath("elsewhere"), OtherLimaHome: other},
		{Name: "elsewhere-gone", Condition: Login, Path: agentPath("elsewhere-gone")},
		{Name: "gone", Condition: Login, Path: agentPath("gone")},
		{Name: "my.vm-2", Condition: Login, Path: agentPath("my.vm-2")},
		{Name: "old", Condition: Boot, Path: daemonPath("old")},
	}
	for _, admin := range []bool{false, true} {
		f.env.Admin = admin
		f.rebuild(t)
		got, err := f.m.Registered(context.Background())
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("admin=%v: got\n%+v\nwant\n%+v", admin, got, want)
		}
	}
	if len(f.fake.Calls) != 0 {
		t.Errorf("got commands %q, want the folders read only", f.fake.Argvs())
	}
}

// TestLinuxRegistered finds every lima-vm@NAME.service of the user unit
// folder, as login, or as boot while lingering is on.
func TestLinuxRegistered(t *testing.T) {
	f := newFixture(t, Linux)
	other := filepath.Join(f.tmp, "other-lima")
	writeFiles(t, other, map[string]string{"elsewhere/lima.yaml": "images: []\n"})
	unit := func(limaHome string) string {
		p := f.m.backend.(*systemdBackend).params()
		p.LimaHome = limaHome
		data, err := systemd.Unit(p)
		must(t, err)
		return string(data)
	}
	unitDir := f.env.UnitDir()
	// A LIMA_HOME on a volume that is not mounted proves nothing.
	unmounted := filepath.Join(f.tmp, "Volumes", "VMs")
	_, rerr := os.ReadDir(unmounted)
	unmountedErr := rerr.Error()
	writeFiles(t, unitDir, map[string]string{
		"lima-vm@default.service":        unit(""),
		"lima-vm@gone.service":           unit(""),
		"lima-vm@my.vm.service":          unit(""),
		"lima-vm@broken.service":         "junk",
		"lima-vm@elsewhere.service":      unit(other),
		"lima-vm@here.service":           unit(f.env.LimaHome),
		"lima-vm@unmounted.service":      unit(unmounted),
		"lima-vm@relative.service":       strings.Replace(unit(""), "[Service]\n", "[Service]\nEnvironment=LIMA_HOME=%h/vms\n", 1),
		".lima-vm@gone.service.tmp-1":    unit(""),
		"lima-vm@.service":               unit(""),
		"lima-vm@bad name.service":       "x",
		"lima-vm@x.service.bak":          "x",
		"lima-vm@x.socket":               "x",
		"other.service":                  "x",
		"lima-vm@folder.service/":        "",
		"default.target.wants/":          "",
		"multi-user.target.wants/x.conf": "x",
	})
	must(t, os.Symlink(filepath.Join(unitDir, "lima-vm@default.service"), filepath.Join(unitDir, "default.target.wants", "lima-vm@default.service")))
	path := func(n string) string { return filepath.Join(unitDir, "lima-vm@"+n+".service") }
	for _, linger := range []bool{false, true} {
		cond := Login
		if linger {
			cond = Boot
			writeFiles(t, f.env.LingerDir, map[string]string{f.env.User: ""})
		}
		want := []Registration{
			{Name: "broken", Condition: cond, Path: path("broken"), Unverified: unreadableJob},
			{Name: "default", Condition: cond, Path: path("default"), Unverified: "its folder " + f.inst.Dir + " still exists"},
			{Name: "elsewhere", Condition: cond, Path: path("elsewhere"), OtherLimaHome: other},
			{Name: "gone", Condition: cond, Path: path("gone")},
			{Name: "here", Condition: cond, Path: path("here")},
			{Name: "my.vm", Condition: cond, Path: path("my.vm")},
			{Name: "relative", Condition: cond, Path: path("relative"), Unverified: `its LIMA_HOME "%h/vms" is not an absolute path`},
			{Name: "unmounted", Condition: cond, Path: path("unmounted"), Unverified: "its LIMA_HOME " + unmounted + " cannot be read: " + unmountedErr},
		}
		got, err := f.m.Registered(context.Background())
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("linger=%v: got\n%+v\nwant\n%+v", linger, got, want)
		}
	}
	if len(f.fake.Calls) != 0 {
		t.Errorf("got commands %q, want the folder read only", f.fake.Argvs())
	}
}

// TestRegisteredWithoutFolders: before anything was ever registered the
// folders do not exist, which is no registration and no error. A folder
// that cannot be listed is an error naming it.
func TestRegisteredWithoutFolders(t *testing.T) {
	for _, p := range []Platform{Darwin, Linux} {
		f := newFixture(t, p)
		got, err := f.m.Registered(context.Background())
		if err != nil || len(got) != 0 {
			t.Errorf("%s: got %+v, %v; want none", p, got, err)
		}
		dir := f.env.UnitDir()
		if p == Darwin {
			dir = f.env.LaunchAgentsDir()
		}
		writeFiles(t, filepath.Dir(dir), map[string]string{filepath.Base(dir): "a file where the folder should be"})
		if _, err := f.m.Registered(context.Background()); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: got %v, want an error naming %s", p, err, dir)
		}
	}
}

// unreadableJob is why a registration whose job file does not parse cannot
// be verified.
const unreadableJob = "its job file cannot be read, so the LIMA_HOME it uses is unknown"
