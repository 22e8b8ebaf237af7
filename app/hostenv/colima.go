package hostenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/app/colima"
	"github.com/limabar/limabar/autostart"
	names "github.com/limabar/limabar/autostart/colima"
)

// findColima looks for colima as findLimactl looks for limactl: in the
// settings, on PATH, in the login shell's PATH (macOS) and in Homebrew's
// folders. The path is kept as found, a Homebrew link included.
func (h *Host) findColima(o Options, s Settings) {
	try := tryExecutable(o, "colima", &h.Colima, &h.ColimaErr)
	h.Colima, h.ColimaErr = "", nil
	if s.Colima != "" {
		try("settings", s.Colima)
		return // an explicit choice that does not work is reported, not replaced
	}
	if p, err := o.LookPath("colima"); err == nil && try("PATH", p) {
		return
	}
	if h.Platform == autostart.Darwin && !h.IsRoot && h.shellDone && try("login shell", h.shellColima) {
		return
	}
	if tryInstallPrefixes("colima", try) {
		return
	}
	h.Colima = ""
	if h.ColimaErr == nil {
		h.ColimaErr = colima.ErrNoColima
	}
}

// findColimaHome finds the COLIMA_HOME colima itself would use (colima
// v0.10.1 config/files.go, configBaseDir): LimaBar's settings first, then
// COLIMA_HOME when that folder exists (also from the login shell on a Mac),
// then ~/.colima when it exists, then $XDG_CONFIG_HOME/colima when
// XDG_CONFIG_HOME is set, ~/.colima on a Mac and the user's configuration
// folder's colima elsewhere (~/.config/colima).
func (h *Host) findColimaHome(o Options, s Settings) error {
	exists := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && fi.IsDir()
	}
	shellHome := ""
	if h.Platform == autostart.Darwin && !h.IsRoot && h.shellDone {
		shellHome = h.shellColimaHome
	}
	dflt := names.DefaultHome(h.Home)
	switch {
	case s.ColimaHome != "":
		h.ColimaHome = s.ColimaHome
		if !filepath.IsAbs(h.ColimaHome) {
			return fmt.Errorf("COLIMA_HOME %q from the settings file %s is not an absolute path", h.ColimaHome, h.SettingsPath())
		}
	case o.Getenv("COLIMA_HOME") != "" && exists(o.Getenv("COLIMA_HOME")):
		h.ColimaHome = o.Getenv("COLIMA_HOME")
	case o.Getenv("COLIMA_HOME") == "" && shellHome != "" && exists(shellHome):
		h.ColimaHome = shellHome
	case exists(dflt):
		h.ColimaHome = dflt
	case o.Getenv("XDG_CONFIG_HOME") != "":
		h.ColimaHome = filepath.Join(o.Getenv("XDG_CONFIG_HOME"), "colima")
	case h.Platform == autostart.Darwin:
		h.ColimaHome = dflt
	default:
		h.ColimaHome = filepath.Join(h.ConfigHome, "colima")
	}
	if !filepath.IsAbs(h.ColimaHome) {
		// A relative COLIMA_HOME or XDG_CONFIG_HOME: colima would read
		// it from wherever it runs, which a job does not share.
		h.ColimaHome = dflt
	}
	h.ColimaHome = filepath.Clean(h.ColimaHome)
	return nil
}

// ColimaHomeInUse is ColimaHome when Colima's Lima home exists there, ""
// when Colima has no profiles to show: then LimaBar looks at Colima for
// nothing (autostart.Env.ColimaHome, the menu's Colima group).
func (h *Host) ColimaHomeInUse() string {
	if h.ColimaHome == "" {
		return ""
	}
	fi, err := os.Stat(names.LimaHome(h.ColimaHome))
	if err != nil || !fi.IsDir() {
		return ""
	}
	return h.ColimaHome
}

// ColimaEnviron is the environment colima runs with (colima.Environ): the
// process's own, COLIMA_HOME in use, no LIMA_HOME, limactl's folder on PATH.
func (h *Host) ColimaEnviron() []string {
	return colima.Environ(os.Environ(), h.ColimaHome, h.Limactl)
}

// ColimaLimactlEnviron is the environment limactl runs with to list
// Colima's profiles: the process's own with LIMA_HOME set to Colima's Lima
// home.
func (h *Host) ColimaLimactlEnviron() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIMA_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "LIMA_HOME="+names.LimaHome(h.ColimaHome))
}
