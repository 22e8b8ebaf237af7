package problem

import "encoding/json"

// Severity says how much a problem matters to the user, so that the menu
// raises the attention icon only for what stops a VM from starting.
type Severity string

const (
	// Broken: the job will not start the VM (limactl missing, a disabled
	// override, a file launchd or systemd refuses). The attention icon,
	// the instance's row and a notification say so.
	Broken Severity = "broken"
	// Degraded: the job starts the VM but it may misbehave (no PATH for
	// Homebrew's QEMU, LIMA_HOME not passed, a stop timeout that kills the
	// guest). The instance's submenu lists it, without the attention icon.
	Degraded Severity = "degraded"
	// Cosmetic: nothing changes for the VM (the Login Items label). Only
	// doctor lists it.
	Cosmetic Severity = "cosmetic"
)

// severities holds the severity of every code. A code missing here is a
// bug, caught by the table test that reads every code this package
// declares.
var severities = map[string]Severity{
	LimactlMissing:     Broken,
	LimactlDiffers:     Degraded, // starts, but another limactl (a Cellar path breaks on upgrade)
	PathMissing:        Degraded,
	LimaHomeMissing:    Degraded, // starts ~/.lima's instance of that name, or fails
	LimaHomeDiffers:    Degraded,
	DisabledOverride:   Broken,
	WrongTarget:        Broken, // a user manager never reaches multi-user.target
	Unparseable:        Broken,
	NotEnabled:         Broken,
	Args:               Broken,
	BundleID:           Cosmetic,
	LogPaths:           Degraded, // the job's own words are lost
	WorkingDir:         Degraded,
	Owner:              Broken, // launchd refuses a daemon plist root does not own
	Mode:               Broken, // or one others can write
	UserName:           Broken, // limactl refuses to run as root
	Home:               Degraded,
	NotLoaded:          Degraded, // loaded again at the next boot
	BothConditions:     Degraded, // starts twice, the second start fails
	OtherAccount:       Broken,
	InstanceMissing:    Broken,
	InstanceUnverified: Degraded,
	StopTimeout:        Degraded, // a stop kills the guest mid-shutdown
	ProcessType:        Degraded, // the VM runs throttled
	KeepAlive:          Degraded, // a crash is not restarted, or a stop is undone
	ColimaMissing:      Broken,
	ColimaDiffers:      Degraded, // starts, but another colima
	ColimaHomeMissing:  Broken,   // colima makes a new VM in ~/.colima
	ColimaHomeDiffers:  Degraded,
	ProfileMissing:     Broken,   // colima would make a new VM
	LimaJob:            Broken,   // the VM comes up without Colima's runtime and docker context
	BrewServices:       Degraded, // the second start finds the VM running
}

// SeverityOf returns the severity of a problem code. A code this package
// does not know is taken as Broken: saying too much beats hiding a job
// that does not start.
func SeverityOf(code string) Severity {
	if s, ok := severities[code]; ok {
		return s
	}
	return Broken
}

// Known reports whether code has a severity of its own.
func Known(code string) bool {
	_, ok := severities[code]
	return ok
}

// Severity returns the problem's severity, from its code.
func (p Problem) Severity() Severity { return SeverityOf(p.Code) }

// MarshalJSON writes the problem with its severity, so that `list --json`
// and `doctor --json` carry it without every reader having to set it.
func (p Problem) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code     string   `json:"code"`
		Message  string   `json:"message"`
		Severity Severity `json:"severity"`
	}{p.Code, p.Message, p.Severity()})
}
