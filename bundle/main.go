// Command bundle packages a built limabar executable for users: on macOS as
// LimaBar.app (Info.plist, AppIcon.icns, the executable), on Linux as a
// tarball with the executable, a desktop entry, the icon theme files and an
// install script. It only arranges files, so every layout is built and
// tested on Linux; compiling for each architecture, lipo and codesign are
// scripts/bundle.sh's job.
//
//	go run ./bundle -target darwin -exe build/limabar -o build/LimaBar.app
//	go run ./bundle -target linux -exe build/limabar -o build/limabar-linux-amd64.tar.gz
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Names fixed by the design.
const (
	bundleID    = "io.github.limabar"
	appName     = "LimaBar"
	exeName     = "limabar"
	iconName    = bundleID // the hicolor icon and the desktop entry's file name
	desktopName = bundleID + ".desktop"
)

// options are the command's flags.
type options struct {
	target    string
	exe       string
	out       string
	version   string
	arch      string
	minMacOS  string
	copyright string
	readme    string
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "bundle: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", defaultTarget(), "what to make: darwin (LimaBar.app) or linux (tarball)")
	fs.StringVar(&o.exe, "exe", "", "the limabar executable to package (required)")
	fs.StringVar(&o.out, "o", "", "output: the .app folder for darwin, the .tar.gz for linux\n(default build/LimaBar.app or build/limabar-linux-ARCH.tar.gz)")
	fs.StringVar(&o.version, "version", "", "version, such as a git tag v1.2.3 (default: git describe, else 0.0.0)")
	fs.StringVar(&o.arch, "arch", runtime.GOARCH, "linux: the architecture named in the tarball")
	fs.StringVar(&o.minMacOS, "min-macos", "12.0", "darwin: LSMinimumSystemVersion; keep it equal to MACOSX_DEPLOYMENT_TARGET")
	fs.StringVar(&o.copyright, "copyright", "Copyright © The LimaBar authors", "darwin: NSHumanReadableCopyright")
	fs.StringVar(&o.readme, "readme", "", "linux: a file to put in the tarball as README.md")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if o.exe == "" {
		return usageError{errors.New("-exe is required: the limabar executable to package")}
	}
	if o.version == "" {
		o.version = gitVersion()
	}
	switch o.target {
	case "darwin":
		if o.out == "" {
			o.out = filepath.Join("build", appName+".app")
		}
		if err := makeApp(o); err != nil {
			return err
		}
	case "linux":
		if o.out == "" {
			o.out = filepath.Join("build", tarballName(o.arch)+".tar.gz")
		}
		if err := makeTarball(o); err != nil {
			return err
		}
	default:
		return usageError{fmt.Errorf("unknown -target %q: want darwin or linux", o.target)}
	}
	fmt.Fprintf(stdout, "bundle: wrote %s\n", o.out)
	return nil
}

func defaultTarget() string {
	if runtime.GOOS == "darwin" {
		return "darwin"
	}
	return "linux"
}

// gitVersion is the version of the checkout, for a build by hand.
func gitVersion() string {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return "0.0.0"
	}
	return strings.TrimSpace(string(out))
}

// releaseVersion matches a release tag and what `git describe` makes of
// it (v1.2.3-4-gdeadbee-dirty). A bare number needs a dot, so that an
// abbreviated commit hash of only digits is not taken for a version.
var releaseVersion = regexp.MustCompile(`^(?:v(\d+(?:\.\d+)*)|(\d+(?:\.\d+)+))(?:[-+].*)?$`)

// bundleVersion turns a tag or `git describe` output into what macOS
// accepts for CFBundleShortVersionString and CFBundleVersion: one to three
// integers separated by dots. A build from a checkout without a release tag
// gets 0.0.0, which sorts before every release.
func bundleVersion(v string) string {
	m := releaseVersion.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return "0.0.0"
	}
	parts := strings.Split(m[1]+m[2], ".")
	if len(parts) > 3 {
		parts = parts[:3]
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return "0.0.0"
		}
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// modTime is the time stamp written into packages: SOURCE_DATE_EPOCH when
// set, for reproducible builds, else the executable's own.
func modTime(exe os.FileInfo) time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return exe.ModTime().UTC().Truncate(time.Second)
}

// readExe reads the executable to package and checks that it is one.
func readExe(path string) ([]byte, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("the executable to package: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("the executable to package, %s, is not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("the executable to package: %w", err)
	}
	return data, fi, nil
}
