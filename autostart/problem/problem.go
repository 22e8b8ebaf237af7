// Package problem names what can be wrong with an autostart registration.
// It is a leaf package so that the launchd and systemd readers and the
// engine share one vocabulary.
package problem

// Problem is one thing wrong with a registration, with a stable code for
// scripts and a sentence for people.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Problem codes. They are part of the JSON output and stay stable.
const (
	LimactlMissing   = "limactl-missing"   // the job's limactl does not exist
	LimactlDiffers   = "limactl-differs"   // the job runs another limactl than the one found
	PathMissing      = "path-missing"      // the job has no PATH of its own
	LimaHomeMissing  = "lima-home-missing" // LIMA_HOME is custom but not passed to the job
	LimaHomeDiffers  = "lima-home-differs" // the job passes another LIMA_HOME
	DisabledOverride = "disabled-override" // launchctl print-disabled says disabled
	WrongTarget      = "wrong-target"      // WantedBy=multi-user.target in a user unit
	Unparseable      = "unparseable"       // the file cannot be read as a plist or unit
	NotEnabled       = "not-enabled"       // the unit file exists but is not enabled
	Args             = "wrong-arguments"   // the job does not run `limactl start NAME --foreground`
	BundleID         = "bundle-id-missing" // AssociatedBundleIdentifiers missing
	LogPaths         = "log-paths"         // StandardOutPath/StandardErrorPath missing
	WorkingDir       = "working-directory" // WorkingDirectory missing or wrong
	Owner            = "owner"             // the daemon plist is not owned by root
	Mode             = "mode"              // the daemon plist mode is not 0644
	UserName         = "user-name"         // UserName missing or root
	Home             = "home-missing"      // HOME or USER missing from the daemon
	NotLoaded        = "not-loaded"        // the daemon is not loaded in launchd
	BothConditions   = "both-conditions"   // login and boot both registered
	OtherAccount     = "other-account"     // a daemon of the same name runs another account's instance
	InstanceMissing  = "instance-missing"  // the registration names an instance that is gone
	// StopTimeout: the job gives the VM less time to shut down after
	// SIGTERM than Lima gives QEMU (three minutes): Lima's unit says
	// TimeoutSec=10, its plists have no ExitTimeOut (launchd: 5 s, as
	// `launchctl print` shows for jobs that set none).
	StopTimeout = "stop-timeout"
	// ProcessType: the plist says ProcessType Background (or Standard, or
	// none), so launchd throttles the VM's CPU and I/O.
	ProcessType = "process-type"
	// KeepAlive: a crashed VM is not started again (no KeepAlive
	// {SuccessfulExit false}, no Restart=on-failure), or one that was
	// stopped on purpose is (KeepAlive true, Restart=always).
	KeepAlive = "keep-alive"
	// InstanceUnverified: limactl does not list the instance, and whether
	// its folder still exists cannot be told (its LIMA_HOME is unreadable
	// or unresolvable), so doctor --fix leaves the registration alone.
	InstanceUnverified = "instance-unverified"

	// ColimaMissing: the colima a Colima profile's job runs does not
	// exist (ProgramArguments, ExecStart=).
	ColimaMissing = "colima-missing"
	// ColimaDiffers: the job runs another colima than the one found.
	ColimaDiffers = "colima-differs"
	// ColimaHomeMissing: COLIMA_HOME is not ~/.colima but the job does
	// not pass it, so colima looks in ~/.colima (and makes a new VM).
	ColimaHomeMissing = "colima-home-missing"
	// ColimaHomeDiffers: the job passes another COLIMA_HOME.
	ColimaHomeDiffers = "colima-home-differs"
	// ProfileMissing: the profile's instance folder,
	// COLIMA_HOME/_lima/colima-P, is gone.
	ProfileMissing = "profile-missing"
	// LimaJob: a Lima job (io.lima-vm.autostart.colima*,
	// lima-vm@colima*.service) starts a Colima profile's instance with
	// `limactl start`, skipping Colima's set-up.
	LimaJob = "lima-job"
	// BrewServices: `brew services` starts the profile too
	// (homebrew.mxcl.colima, homebrew.colima.service), beside LimaBar's
	// job.
	BrewServices = "brew-services"
)
