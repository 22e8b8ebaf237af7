package elevate

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/limabar/limabar/autostart/launchd"
)

// FuzzInstallScript feeds hostile instance names, folders, LIMA_HOMEs,
// limactl paths and user names through the whole way to root, through the
// product's own code at each step: the LaunchDaemon value and its plist
// bytes (launchd.Daemon, launchd.Encode), the daemon's path and label
// (launchd.PlistPath, launchd.DaemonLabel), the install script and its
// shell quoting, the AppleScript literal, decoded back as AppleScript would,
// checked by sh -n, and run against a temporary root, half of the time over
// a daemon installed before.
//
// The scripts run under dash -x with the recording fakes, which gives two
// independent records of what ran: the fakes' argv, and the shell's trace of
// every command, builtins and command substitutions included (readTrace).
// Exactly the intended external commands must run with exactly the intended
// arguments in both, nothing else may show in the trace, and the installed
// file must hold exactly the plist bytes. A name that is not a Lima instance
// name, or a folder that cannot travel through the dialog, must be refused
// before any script exists.
//
// A value XML cannot hold (a control character other than tab and line
// breaks, bytes that are not UTF-8, U+FFFE, U+FFFF) must be refused by
// launchd.Params.Check, which the engine calls before it writes anything,
// and by launchd.Encode: howett.net/plist would write it as U+FFFD, and the
// daemon would name another path. Every value that is not refused must come
// back from the plist exactly. The script is still built and run for such
// inputs, with their label and path, carrying a plist of fixed bytes.
func FuzzInstallScript(f *testing.F) {
	sb := newSandbox(f).tracing(f)
	f.Add("default", "LaunchDaemons", "/Users/me/.lima", "/opt/homebrew/bin/limactl", "me")
	f.Fuzz(func(t *testing.T, name, folder, limaHome, limactl, user string) {
		p := launchd.Params{
			Name:        name,
			InstanceDir: filepath.Join(limaHome, folder),
			Limactl:     limactl,
			Home:        "/Users/" + user,
			LimaHome:    limaHome,
			User:        user,
		}
		data, err := launchd.Encode(launchd.Daemon(p))
		checkErr := p.Check()
		if plistCanHold(p) {
			if err != nil || checkErr != nil {
				t.Fatalf("refused values a plist can hold: Encode: %v; Check: %v\n%+v", err, checkErr, p)
			}
			checkDaemonPlist(t, p, data)
		} else {
			if err == nil || checkErr == nil || !strings.Contains(checkErr.Error(), "a plist cannot hold") {
				t.Fatalf("accepted a value a plist cannot hold: Encode: %v; Check: %v\n%+v", err, checkErr, p)
			}
			data = []byte("<plist>fixed bytes, as the values cannot be encoded</plist>\n")
		}

		root := t.TempDir()
		dir := root
		if isPathComponent(folder) {
			dir = filepath.Join(root, folder)
		}
		label := launchd.DaemonLabel(name)
		path := launchd.PlistPath(dir, label)
		valid := isLimaName(name) && isDialogSafe(path) && len(data) <= MaxPlistSize

		script, err := InstallScript(PathTools, label, path, data)
		if !valid {
			if err == nil {
				t.Fatalf("InstallScript accepted label %q, path %q", label, path)
			}
			if _, err := RemoveScript(PathTools, label, path); err == nil && !(isLimaName(name) && isDialogSafe(path)) {
				t.Fatalf("RemoveScript accepted label %q, path %q", label, path)
			}
			if _, err := KickstartScript(PathTools, label); (err == nil) != isLimaName(name) {
				t.Fatalf("KickstartScript of label %q: %v", label, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("InstallScript refused label %q, path %q: %v", label, path, err)
		}
		if dir != root {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// Every other name length installs over a daemon already there,
		// which the script copies aside first.
		old := len(name)%2 == 1
		if old {
			if err := os.WriteFile(path, []byte(oldDaemon), 0o644); err != nil {
				t.Fatal(err)
			}
		}

		prompt := fmt.Sprintf("LimaBar wants to make %s start at boot as %s.", name, user)
		shell := throughDialog(t, script, prompt)
		r := sb.run(t, root, shell)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("install: exit %d, stdout %q, trace:\n%s\nscript:\n%s", r.code, r.stdout, r.stderr, shell)
		}
		tmp, bak := tempNames(t, r.calls, label, path)
		want := installCalls(label, path, tmp, bak, 1)
		if tmp == "" || (bak != "") != old || !reflect.DeepEqual(r.calls, want) {
			t.Fatalf("install calls:\n got %q\nwant %q", r.calls, want)
		}
		traced, err := readTrace(r.stderr, sb.ps4, pipeline(data))
		if err != nil {
			t.Fatalf("install trace: %v\ntrace:\n%s", err, r.stderr)
		}
		if !slices.Equal(traced, joined(want)) {
			t.Fatalf("install trace shows\n%q\nwant\n%q", traced, joined(want))
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(data) {
			t.Fatalf("installed bytes differ from the plist:\n got %q\nwant %q", got, data)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode() != 0o644 {
			t.Fatalf("installed file: %v, %v", fi, err)
		}
		files := []string{filepath.Base(path)}
		if dir != root {
			files = []string{folder, filepath.Join(folder, filepath.Base(path))}
		}
		if got := tree(t, root); !slices.Equal(got, files) {
			t.Fatalf("files after install %q, want %q", got, files)
		}

		script, err = RemoveScript(PathTools, label, path)
		if err != nil {
			t.Fatal(err)
		}
		r = sb.run(t, root, throughDialog(t, script, prompt))
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("remove: exit %d, stdout %q, trace:\n%s", r.code, r.stdout, r.stderr)
		}
		want = removeCalls(label, path)
		if !reflect.DeepEqual(r.calls, want) {
			t.Fatalf("remove calls:\n got %q\nwant %q", r.calls, want)
		}
		traced, err = readTrace(r.stderr, sb.ps4, nil)
		if err != nil {
			t.Fatalf("remove trace: %v\ntrace:\n%s", err, r.stderr)
		}
		if !slices.Equal(traced, joined(want)) {
			t.Fatalf("remove trace shows\n%q\nwant\n%q", traced, joined(want))
		}
		if got := tree(t, root); !slices.Equal(got, files[:len(files)-1]) {
			t.Fatalf("files after remove %q, want %q", got, files[:len(files)-1])
		}

		// Try Again of the boot job: one kickstart, nothing else.
		script, err = KickstartScript(PathTools, label)
		if err != nil {
			t.Fatal(err)
		}
		r = sb.run(t, root, throughDialog(t, script, fmt.Sprintf("LimaBar wants to start %s again.", name)))
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("kickstart: exit %d, stdout %q, trace:\n%s", r.code, r.stdout, r.stderr)
		}
		want = kickstartCalls(label)
		if !reflect.DeepEqual(r.calls, want) {
			t.Fatalf("kickstart calls:\n got %q\nwant %q", r.calls, want)
		}
		traced, err = readTrace(r.stderr, sb.ps4, nil)
		if err != nil {
			t.Fatalf("kickstart trace: %v\ntrace:\n%s", err, r.stderr)
		}
		if !slices.Equal(traced, joined(want)) {
			t.Fatalf("kickstart trace shows\n%q\nwant\n%q", traced, joined(want))
		}
		if got := tree(t, root); !slices.Equal(got, files[:len(files)-1]) {
			t.Fatalf("files after kickstart %q, want %q", got, files[:len(files)-1])
		}
	})
}

// checkDaemonPlist decodes the plist the product built and checks that each
// hostile string came back exactly as it went in.
func checkDaemonPlist(t *testing.T, p launchd.Params, data []byte) {
	t.Helper()
	job, err := launchd.Decode(data)
	if err != nil {
		t.Fatalf("the daemon plist does not decode: %v\n%s", err, data)
	}
	env := map[string]string{"HOME": p.Home, "USER": p.User}
	if p.LimaHome != "" {
		env["LIMA_HOME"] = p.LimaHome
	}
	got := maps.Clone(job.EnvironmentVariables)
	path := got["PATH"]
	delete(got, "PATH")
	dirs := strings.Split(path, ":")
	switch {
	case job.Label != "io.lima-vm.daemon."+p.Name,
		!slices.Equal(job.ProgramArguments, []string{p.Limactl, "start", p.Name, "--foreground"}),
		job.WorkingDirectory != p.InstanceDir,
		job.UserName != p.User,
		!maps.Equal(got, env),
		// limactl's own folder first, then Homebrew's and launchd's.
		p.Limactl != "" && !strings.HasPrefix(path, filepath.Dir(p.Limactl)+":"),
		!slices.Contains(dirs, "/opt/homebrew/bin") || !slices.Contains(dirs, "/usr/bin") || !slices.Contains(dirs, "/sbin"),
		job.StandardOutPath != "" || job.StandardErrorPath != "":
		t.Fatalf("the daemon plist decodes to\n%+v\nnot what it was built from\n%+v", job, p)
	}
}

// plistCanHold reports whether XML can hold every value a daemon is built
// from; written out here apart from the product's check.
func plistCanHold(p launchd.Params) bool {
	for _, s := range []string{p.Name, p.InstanceDir, p.Limactl, p.Home, p.LimaHome, p.User} {
		if !isXMLText(s) {
			return false
		}
	}
	return true
}

// isXMLText reports whether every character of s is one XML 1.0 allows.
func isXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xd7ff,
			r >= 0xe000 && r <= 0xfffd,
			r >= 0x10000 && r <= 0x10ffff:
		default:
			return false
		}
	}
	return true
}

// throughDialog returns the shell text the administrator dialog would run:
// the script escaped into the AppleScript statement and decoded back. It
// must be the same text and valid shell.
func throughDialog(t *testing.T, script, prompt string) string {
	t.Helper()
	shell, gotPrompt, err := decodeDoShellScript(DoShellScript(script, prompt))
	if err != nil {
		t.Fatalf("the AppleScript does not decode: %v", err)
	}
	if shell != script || gotPrompt != prompt {
		t.Fatalf("the AppleScript decodes to\n%q, %q\nwant\n%q, %q", shell, gotPrompt, script, prompt)
	}
	if out, err := exec.Command("/bin/sh", "-n", "-c", shell).CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v: %s\nscript:\n%s", err, out, shell)
	}
	return shell
}

// isLimaName is Lima's rule for instance names, written out by hand: runs of
// ASCII letters and digits joined by single '.', '_' or '-', at most 76
// bytes.
func isLimaName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	afterSep := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			afterSep = false
		case c == '.' || c == '_' || c == '-':
			if afterSep {
				return false
			}
			afterSep = true
		default:
			return false
		}
	}
	return !afterSep
}

// isPathComponent reports whether s can name one folder.
func isPathComponent(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '/' || s[i] == 0 {
			return false
		}
	}
	return true
}

// isDialogSafe is UTF-8 without C0, DEL or C1 control characters.
func isDialogSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}
