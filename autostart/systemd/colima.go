package systemd

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/autostart/colima"
)

// ColimaTimeoutStopSec is how long systemd gives a Colima unit between
// SIGTERM and SIGKILL. The unit runs `colima start --foreground`, which
// on SIGTERM runs a whole `colima stop` before it exits (colima v0.10.1
// cmd/start.go, awaitForInterruption; app/app.go, Stop): the container
// runtime in the guest (`systemctl stop docker.service`, up to systemd's
// default of 90 s there), then `limactl stop`, which waits up to 3 min
// 10 s for the host agent to power QEMU off (Lima's pkg/instance/stop.go,
// waitForHostAgentTermination). The same 360 s as launchd's
// ColimaExitTimeOut leave more than a minute beyond those 280 s.
const ColimaTimeoutStopSec = 360

// ColimaUnitPath is LimaBar's unit for a Colima profile in the user unit
// folder.
func ColimaUnitPath(unitDir, profile string) string {
	return filepath.Join(unitDir, colima.UnitName(profile))
}

// ColimaParams are the facts a Colima profile's unit is built from.
type ColimaParams struct {
	Profile    string // already checked (colima.CheckProfile)
	Colima     string // absolute, unresolved path of colima
	ColimaHome string // set only when not the default ~/.colima
	PATH       string // the PATH the job gets
	// InstanceDir is the profile's Lima instance folder,
	// COLIMA_HOME/_lima/colima-P, where the unit appends colima's standard
	// error (ColimaStderrLog).
	InstanceDir string
}

// ColimaStderrLog is the file in a profile's instance folder the unit
// appends colima's standard error to, as the LaunchAgent's
// StandardErrorPath does with launchd.stderr.log on a Mac. Colima logs its
// fatal line there and only there: the health reader finds it where no
// journald runs, and where one runs, journalctl --unit has only systemd's
// own lines of the unit.
const ColimaStderrLog = "systemd.stderr.log"

// ColimaUnit returns the unit that starts a Colima profile:
// `colima start --foreground --profile P` (the profile written out, not
// %i, so that the unit says what it runs), Lima's unit's stop and restart
// settings with ColimaTimeoutStopSec, and KillMode=mixed: SIGTERM goes to
// colima alone, which stops the runtime and the VM in order, and whatever
// is left of the unit's processes once it has exited (or at the timeout)
// is SIGKILLed. Environment= holds PATH and, when not ~/.colima,
// COLIMA_HOME; never LIMA_HOME, which colima sets itself. A value a unit
// file cannot hold is refused, naming it.
func ColimaUnit(p ColimaParams) ([]byte, error) {
	if err := colima.CheckProfile(p.Profile); err != nil {
		return nil, fmt.Errorf("the profile: %w", err)
	}
	exe, err := quoteWord(p.Colima)
	if err != nil {
		return nil, fmt.Errorf("the colima path %w", err)
	}
	stderr, err := pathValue(filepath.Join(p.InstanceDir, ColimaStderrLog))
	if err != nil || !filepath.IsAbs(p.InstanceDir) {
		if err == nil {
			err = fmt.Errorf("is not absolute: %q", p.InstanceDir)
		}
		return nil, fmt.Errorf("the instance folder %w", err)
	}
	return unitSpec{
		Description:    "Colima profile " + p.Profile + ", started by LimaBar",
		Documentation:  "https://github.com/abiosoft/colima",
		ExecStart:      exe + " start --foreground --profile " + p.Profile,
		TimeoutStopSec: ColimaTimeoutStopSec,
		Service:        []string{"StandardError=append:" + stderr},
		Env: []envSetting{
			{"PATH", p.PATH, "the job's PATH"},
			{"COLIMA_HOME", p.ColimaHome, "the COLIMA_HOME path"},
		},
	}.render()
}

// pathValue writes a path for a setting systemd takes as the rest of the
// line, expanding specifiers but removing no quotes or escapes
// (StandardError=append:PATH): '%' is doubled, and a character a unit file
// cannot hold is refused as quoteWord refuses it.
func pathValue(path string) (string, error) {
	if _, err := quoteWord(path); err != nil {
		return "", err
	}
	return strings.ReplaceAll(path, "%", "%%"), nil
}
