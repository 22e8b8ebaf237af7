//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// colimaWorld is a tray world with a Lima home holding one instance,
// default, and a Colima home (~/.colima) with two profiles, default
// (docker) and work (containerd), and Lima's limactl and Colima's colima
// installed as on a machine without QEMU (testenv.ColimaPrefix).
type colimaWorld struct {
	*trayWorld
	prefix string
	units  string
}

func newColimaWorld(t *testing.T) *colimaWorld {
	t.Helper()
	prefix := testenv.ColimaPrefix(t)
	w := &colimaWorld{trayWorld: newTrayWorld(t), prefix: prefix}
	w.units = filepath.Join(w.sd.ConfigHome, "systemd", "user")
	// colima runs qemu-img from the job's PATH, which holds the system's
	// folders: the failure these tests show needs a machine without it.
	for _, d := range []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"} {
		_, err := os.Stat(filepath.Join(d, "qemu-img"))
		testenv.Need(t, err != nil, "a machine without QEMU ("+d+"/qemu-img is there, and colima would start a VM)")
	}
	w.instance(filepath.Join(w.sd.Home, ".lima"), "default", testenv.MinimalLimaYAML)
	colimaHome := filepath.Join(w.sd.Home, ".colima")
	testenv.ColimaProfile(t, colimaHome, "default", "docker")
	testenv.ColimaProfile(t, colimaHome, "work", "containerd")
	return w
}

// start runs the app with Lima's limactl and colima found on PATH.
func (w *colimaWorld) start() *trayApp {
	bin := filepath.Join(w.prefix, "bin")
	return w.trayWorld.start(
		"LIMACTL="+filepath.Join(bin, "limactl"),
		"PATH="+bin+":"+w.bin+":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
	)
}

// colimaRow finds a Colima profile's row: one of the rows after the
// Colima group's title, whatever its mark and runtime.
func (n menuNode) colimaRow(profile string) (menuNode, bool) {
	inGroup := false
	for _, c := range n.shown() {
		if strings.HasPrefix(c.Label, "Colima") || strings.HasPrefix(c.Label, "⚠ Colima") {
			inGroup = true
			continue
		}
		if !inGroup {
			continue
		}
		_, rest, ok := strings.Cut(c.Label, " ")
		if ok && (strings.HasPrefix(rest, profile+" · ") || strings.HasPrefix(rest, profile+" — ")) {
			return c, true
		}
	}
	return menuNode{}, false
}

// TestColimaTray: a Lima home with one instance and a Colima home with two
// profiles show three rows in two groups; Start at Login on a profile
// writes LimaBar's unit for it, which runs colima; started, the real
// colima fails for want of QEMU and the menu says that it did not start
// (or keeps failing, restarted by systemd) and why, in colima's words; a
// profile made in Colima's Lima home shows without a Refresh.
//
// Real: a systemd user manager, a session bus, Xvfb, Lima's limactl and
// Colima's colima. Stand-in: loginctl (trayFakeLoginctl).
func TestColimaTray(t *testing.T) {
	w := newColimaWorld(t)
	app := w.start()
	m, _ := app.waitFor("the two groups", 30*time.Second, func(n menuNode) bool {
		_, ok := n.colimaRow("work")
		return ok
	})
	want := []string{
		"0 of 3 instances running",
		"Lima",
		"○ default — Stopped",
		"Colima",
		"○ default · docker — Stopped",
		"○ work · containerd — Stopped",
		"---",
		"Open LimaBar at Login",
		"Refresh",
		"LimaBar dev",
		"Quit LimaBar",
	}
	if got := m.labels(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("top level:\n got %q\nwant %q\nmenu:\n%s", got, want, m)
	}
	t.Run("the Colima group says which colima starts the profiles", func(t *testing.T) {
		g, _ := m.find("Colima")
		wantColima := "Started by " + filepath.Join(w.prefix, "bin", "colima")
		if labels := g.labels(); !strings.Contains(strings.Join(labels, "\n"), wantColima) {
			t.Errorf("Colima group %q, want a line %q", labels, wantColima)
		}
	})

	t.Run("Start runs colima start --profile, which says why it cannot", func(t *testing.T) {
		row, _ := m.colimaRow("work")
		start, ok := row.find("Start")
		if !ok || start.Label != "Start" {
			t.Fatalf("no Start in %s", row)
		}
		app.click(start)
		n, _ := app.waitFor("the failed start", 60*time.Second, func(n menuNode) bool {
			_, ok := n.find("⚠ colima:work: ")
			return ok
		})
		line, _ := n.find("⚠ colima:work: ")
		t.Logf("failure line: %q", line.Label)
		// colima's own fatal line, as far as the short line holds it.
		if !strings.Contains(line.Label, "qemu-img not found") {
			t.Errorf("failure line %q, want colima's reason (qemu-img not found)", line.Label)
		}
		if _, err := os.Stat(filepath.Join(w.sd.Home, ".colima", "work")); err != nil {
			t.Errorf("colima did not run for the profile (no %s): %v", filepath.Join(w.sd.Home, ".colima", "work"), err)
		}
	})

	unit := filepath.Join(w.units, "limabar-colima@work.service")
	t.Run("Start at Login on a profile writes a unit that runs colima", func(t *testing.T) {
		row, _ := m.colimaRow("work")
		login, ok := row.find("Start at Login")
		if !ok {
			t.Fatalf("no Start at Login in %s", row)
		}
		app.click(login)
		// GTK checks a check item as it is clicked, before LimaBar draws
		// the switch busy: the switch on counts once the unit is enabled.
		app.waitFor("work's login switch on", 15*time.Second, func(n menuNode) bool {
			r, ok := n.colimaRow("work")
			if !ok {
				return false
			}
			it, ok := r.find("Start at Login")
			return ok && it.Label == "Start at Login" && it.ToggleState == 1 && w.isEnabled("limabar-colima@work.service") == "enabled"
		})
		data, err := os.ReadFile(unit)
		if err != nil {
			t.Fatalf("the profile's unit: %v", err)
		}
		// systemd reads a quoted word as the word.
		wantExec := filepath.Join(w.prefix, "bin", "colima") + " start --foreground --profile work"
		var execStart string
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
				execStart = strings.ReplaceAll(v, `"`, "")
			}
		}
		if execStart != wantExec {
			t.Errorf("%s:\n%s\nwant ExecStart to run %s", unit, data, wantExec)
		}
		if got := w.isEnabled("limabar-colima@work.service"); got != "enabled" {
			t.Errorf("is-enabled limabar-colima@work.service = %q", got)
		}
		for _, lima := range []string{"lima-vm@colima-work.service", "lima-vm@work.service"} {
			if _, err := os.Stat(filepath.Join(w.units, lima)); err == nil {
				t.Errorf("a Lima unit %s was written for the profile", lima)
			}
		}
	})

	t.Run("the job runs the real colima, and the menu shows its reason", func(t *testing.T) {
		if _, err := os.Stat(unit); err != nil {
			t.Fatalf("no unit to start: %v", err)
		}
		if out, err := w.sd.Systemctl("start", "limabar-colima@work.service"); err != nil {
			// A unit that fails at once may make start fail; the
			// menu must say why either way.
			t.Logf("systemctl --user start: %v %s", err, out)
		}
		n, _ := app.waitFor("work's failed start", 60*time.Second, func(n menuNode) bool {
			r, ok := n.colimaRow("work")
			return ok && (strings.Contains(r.Label, "did not start") || strings.Contains(r.Label, "keeps failing"))
		})
		// Restart=on-failure starts colima again at once, and each fails
		// as fast: the row may say "keeps failing" as soon as it says
		// "did not start".
		row, _ := n.colimaRow("work")
		// The submenu's line is the short failure form, the profile and
		// colima's cause first ("⚠ work: qemu-img not found, run 'brew
		// install qemu' to inst…"; the row itself says what did not
		// happen). colima's fatal line is "error in config: cannot use
		// vmType: 'qemu', error: qemu-img not found, run 'brew install
		// qemu' to install".
		const reason = "qemu-img not found"
		line, ok := row.find("⚠ work: ")
		if !ok || !strings.Contains(line.Label, reason) {
			t.Errorf("want a health line with colima's reason %q; submenu:\n%s", reason, row)
		}
		t.Logf("health line: %q", line.Label)
		// No journald here: the reason is read from the file the unit
		// appends colima's standard error to, in the instance folder.
		log := filepath.Join(w.sd.Home, ".colima", "_lima", "colima-work", "systemd.stderr.log")
		if data, err := os.ReadFile(log); err != nil || !strings.Contains(string(data), `level=fatal msg="error in config: cannot use vmType: 'qemu'`) {
			t.Errorf("%s: %v\n%s\nwant colima's fatal line", log, err, data)
		}
	})

	t.Run("a profile made outside LimaBar shows without a Refresh", func(t *testing.T) {
		// Made aside and moved in whole, as one change of Colima's Lima
		// home, which the app watches as it watches LIMA_HOME.
		staged := testenv.ColimaProfile(t, filepath.Join(w.sd.Home, ".colima-staging"), "new", "incus")
		if err := os.Rename(staged, filepath.Join(w.sd.Home, ".colima", "_lima", "colima-new")); err != nil {
			t.Fatal(err)
		}
		_, took := app.waitFor("the new profile", 15*time.Second, func(n menuNode) bool {
			_, ok := n.colimaRow("new")
			return ok
		})
		t.Logf("new profile shown %s after it was made", took.Round(time.Millisecond))
	})
}

// homebrewColimaUnit is the unit `brew services start colima` writes for
// Homebrew on Linux, in the form of Homebrew's Service#to_systemd_unit
// (Library/Homebrew/service.rb) for colima's formula (`service do run
// [opt_bin/"colima", "start", "-f"]`).
const homebrewColimaUnit = `[Unit]
Description=Homebrew generated unit for colima

[Install]
WantedBy=default.target

[Service]
Type=simple
ExecStart="/home/linuxbrew/.linuxbrew/opt/colima/bin/colima" "start" "-f"
Restart=always
Environment="PATH=/home/linuxbrew/.linuxbrew/bin:/home/linuxbrew/.linuxbrew/sbin:/usr/bin:/bin:/usr/sbin:/sbin"
`

// TestColimaBrewServicesTakeOver: a homebrew.colima.service for the
// default profile shows as "started by brew services" on its switch, and
// turning the switch on takes over: brew's job is off and LimaBar's on,
// one job for the profile.
//
// Real: a systemd user manager, a session bus, Xvfb, Lima's limactl and
// Colima's colima. Stand-in: loginctl (trayFakeLoginctl).
func TestColimaBrewServicesTakeOver(t *testing.T) {
	w := newColimaWorld(t)
	w.write(filepath.Join(w.units, "homebrew.colima.service"), homebrewColimaUnit, 0o644)
	if out, err := w.sd.Systemctl("enable", "homebrew.colima.service"); err != nil {
		t.Fatalf("systemctl --user enable homebrew.colima.service: %v %s", err, out)
	}
	app := w.start()
	const brewTitle = "Start at Login — started by brew services (turn on to take over)"
	m, _ := app.waitFor("the default profile's brew services switch", 30*time.Second, func(n menuNode) bool {
		r, ok := n.colimaRow("default")
		if !ok {
			return false
		}
		_, ok = r.find(brewTitle)
		return ok
	})
	row, _ := m.colimaRow("default")
	sw, _ := row.find(brewTitle)
	if sw.Label != brewTitle || sw.ToggleState != 0 || !sw.Enabled {
		t.Errorf("the switch: %q, toggle-state %d, enabled %v; want %q, off and clickable", sw.Label, sw.ToggleState, sw.Enabled, brewTitle)
	}
	if lima, ok := m.instance("default"); !ok || strings.Contains(lima.String(), "brew") {
		t.Errorf("Lima's default shows brew services too:\n%s", lima)
	}
	app.click(sw)
	// GTK checks a check item as it is clicked: the switch on counts once
	// LimaBar's unit is enabled, and brew's note is gone from it.
	app.waitFor("LimaBar's job on", 30*time.Second, func(n menuNode) bool {
		r, ok := n.colimaRow("default")
		if !ok {
			return false
		}
		it, ok := r.find("Start at Login")
		return ok && it.Label == "Start at Login" && it.ToggleState == 1 && w.isEnabled("limabar-colima@default.service") == "enabled"
	})
	jobs := map[string]string{
		"homebrew.colima.service":        w.isEnabled("homebrew.colima.service"),
		"limabar-colima@default.service": w.isEnabled("limabar-colima@default.service"),
	}
	if jobs["limabar-colima@default.service"] != "enabled" || jobs["homebrew.colima.service"] == "enabled" {
		t.Errorf("after taking over: %v; want LimaBar's job alone enabled", jobs)
	}
	if out, _ := exec.Command("ls", w.units).CombinedOutput(); strings.Contains(string(out), "lima-vm@colima") {
		t.Errorf("a Lima unit for the profile: %s", out)
	}
}
