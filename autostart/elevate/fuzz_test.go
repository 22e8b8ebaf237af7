package elevate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"howett.net/plist"
)

// fuzzJob is a LaunchDaemon shaped like the real one, enough to carry the
// hostile strings into the plist bytes.
type fuzzJob struct {
	Label                string            `plist:"Label"`
	ProgramArguments     []string          `plist:"ProgramArguments"`
	WorkingDirectory     string            `plist:"WorkingDirectory"`
	EnvironmentVariables map[string]string `plist:"EnvironmentVariables"`
	UserName             string            `plist:"UserName"`
	RunAtLoad            bool              `plist:"RunAtLoad"`
}

// FuzzInstallScript feeds hostile instance names, folders, LIMA_HOMEs,
// limactl paths and user names through the whole way to root: plist bytes,
// install script, AppleScript literal, decoded back as AppleScript would,
// checked by sh -n, and run under /bin/sh against a temporary root, half
// of the time over a daemon installed before. Exactly
// the intended commands must run with exactly the intended arguments, and
// the installed file must hold exactly the plist bytes. A name that is not a
// Lima instance name, or a folder that cannot travel through the dialog,
// must be refused before any script exists.
func FuzzInstallScript(f *testing.F) {
	sb := newSandbox(f)
	f.Add("default", "LaunchDaemons", "/Users/me/.lima", "/opt/homebrew/bin/limactl", "me")
	f.Fuzz(func(t *testing.T, name, folder, limaHome, limactl, user string) {
		label := "io.lima-vm.daemon." + name
		data, err := plist.MarshalIndent(fuzzJob{
			Label:            label,
			ProgramArguments: []string{limactl, "start", name, "--foreground"},
			WorkingDirectory: filepath.Join(limaHome, folder),
			EnvironmentVariables: map[string]string{
				"LIMA_HOME": limaHome,
				"HOME":      "/Users/" + user,
				"USER":      user,
				"PATH":      filepath.Dir(limactl) + ":/usr/bin:/bin:/usr/sbin:/sbin",
			},
			UserName:  user,
			RunAtLoad: true,
		}, plist.XMLFormat, "\t")
		if err != nil {
			return // the plist encoder's business, not the script's
		}

		root := t.TempDir()
		dir := root
		if isPathComponent(folder) {
			dir = filepath.Join(root, folder)
		}
		path := filepath.Join(dir, label+".plist")
		valid := isLimaName(name) && isDialogSafe(path) && len(data) <= MaxPlistSize

		script, err := InstallScript(PathTools, label, path, data)
		if !valid {
			if err == nil {
				t.Fatalf("InstallScript accepted label %q, path %q", label, path)
			}
			if _, err := RemoveScript(PathTools, label, path); err == nil && !(isLimaName(name) && isDialogSafe(path)) {
				t.Fatalf("RemoveScript accepted label %q, path %q", label, path)
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
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("install: exit %d, stdout %q, stderr %q\nscript:\n%s", r.code, r.stdout, r.stderr, shell)
		}
		tmp, bak := tempNames(t, r.calls, label, path)
		if want := installCalls(label, path, tmp, bak, 1); tmp == "" || (bak != "") != old || !reflect.DeepEqual(r.calls, want) {
			t.Fatalf("install calls:\n got %q\nwant %q", r.calls, want)
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
		want := []string{filepath.Base(path)}
		if dir != root {
			want = []string{folder, filepath.Join(folder, filepath.Base(path))}
		}
		if got := tree(t, root); !slices.Equal(got, want) {
			t.Fatalf("files after install %q, want %q", got, want)
		}

		script, err = RemoveScript(PathTools, label, path)
		if err != nil {
			t.Fatal(err)
		}
		r = sb.run(t, root, throughDialog(t, script, prompt))
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("remove: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if want := removeCalls(label, path); !reflect.DeepEqual(r.calls, want) {
			t.Fatalf("remove calls:\n got %q\nwant %q", r.calls, want)
		}
		if got := tree(t, root); !slices.Equal(got, want[:len(want)-1]) {
			t.Fatalf("files after remove %q, want %q", got, want[:len(want)-1])
		}
	})
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
