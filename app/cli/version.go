package cli

import (
	"flag"
	"fmt"
	"runtime/debug"
)

// BuildInfo is what `limabar version` reports. The build sets Version,
// Commit and Date with -ldflags -X (make build, make bundle, the release
// workflow); a plain `go build` leaves Version "dev".
type BuildInfo struct {
	Version string `json:"version"`
	// Commit is the git commit the binary was built from, "" when unknown.
	Commit string `json:"commit"`
	// Date is when it was built (RFC 3339, UTC), or, for a plain go build,
	// the time of its commit; "" when unknown.
	Date string `json:"date"`
}

// ResolveBuild is the BuildInfo of a binary whose linker set version,
// commit and date (each "" when not set). What the linker left unset is
// taken from the Go toolchain's own record of the build, when the build
// stamped version control information (vcs.revision, vcs.time, and a
// "-dirty" mark for vcs.modified); the version is never guessed from it,
// so a plain `go build` says "dev".
func ResolveBuild(version, commit, date string, info *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date}
	if b.Version == "" {
		b.Version = "dev"
	}
	if info == nil {
		return b
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	if b.Commit == "" && vcs["vcs.revision"] != "" {
		b.Commit = vcs["vcs.revision"]
		if vcs["vcs.modified"] == "true" {
			b.Commit += "-dirty"
		}
	}
	if b.Date == "" {
		b.Date = vcs["vcs.time"]
	}
	return b
}

// ReadBuild is ResolveBuild with the running binary's build information.
func ReadBuild(version, commit, date string) BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return ResolveBuild(version, commit, date, info)
}

// String is the line `limabar --version` prints.
func (b BuildInfo) String() string {
	commit, date := b.Commit, b.Date
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return fmt.Sprintf("limabar %s (commit %s, built %s)", b.Version, commit, date)
}

// version prints the build information, as one line or with --json.
func (c *CLI) version(args []string) (int, error) {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return 2, err
	}
	if len(pos) > 0 {
		return 2, usageError{"version takes no arguments"}
	}
	b := c.Build
	if b.Version == "" {
		b.Version = c.Version
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if *asJSON {
		return 0, writeJSON(c.Stdout, b)
	}
	_, err = fmt.Fprintln(c.Stdout, b)
	return 0, err
}
