package macos

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
)

func TestTerminalScript(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{
			name: "limactl shell",
			argv: []string{"/opt/homebrew/bin/limactl", "shell", "default"},
			want: "tell application \"Terminal\"\n" +
				"\tdo script \"'/opt/homebrew/bin/limactl' 'shell' 'default'\"\n" +
				"\tactivate\n" +
				"end tell\n",
		},
		{
			name: "path with space and quotes",
			argv: []string{`/Users/o'brien/my "tools"/limactl`, "shell", "vm"},
			want: "tell application \"Terminal\"\n" +
				`	do script "'/Users/o'\\''brien/my \"tools\"/limactl' 'shell' 'vm'"` + "\n" +
				"\tactivate\n" +
				"end tell\n",
		},
		{
			name: "backslash",
			argv: []string{"echo", `C:\tmp`},
			want: "tell application \"Terminal\"\n" +
				`	do script "'echo' 'C:\\tmp'"` + "\n" +
				"\tactivate\n" +
				"end tell\n",
		},
		{
			name: "argument trying to close the AppleScript string",
			argv: []string{"echo", `" & (do shell script "id") & "`},
			want: "tell application \"Terminal\"\n" +
				`	do script "'echo' '\" & (do shell script \"id\") & \"'"` + "\n" +
				"\tactivate\n" +
				"end tell\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := terminalScript(tt.argv)
			if err != nil {
				t.Fatalf("terminalScript(%q): %v", tt.argv, err)
			}
			if got != tt.want {
				t.Errorf("terminalScript(%q) =\n%s\nwant\n%s", tt.argv, got, tt.want)
			}
		})
	}
}

func TestTerminalScriptRefuses(t *testing.T) {
	tests := []struct {
		name string
		argv []string
	}{
		{"no command", nil},
		{"line break", []string{"limactl", "shell", "a\nrm -rf ~"}},
		{"carriage return", []string{"limactl\r"}},
		{"NUL", []string{"lima\x00ctl"}},
		{"tab", []string{"a\tb"}},
		{"DEL", []string{"a\x7fb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := terminalScript(tt.argv); err == nil {
				t.Errorf("terminalScript(%q) = %q, want an error", tt.argv, got)
			}
		})
	}
}

// TestShellCommandRoundTrip runs the quoted command line through a real
// shell and checks that each argument arrives unchanged, as one word.
func TestShellCommandRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	argv := []string{"printf", `%s\n`, "plain", "a b", "it's", `"q"`, `\`, "$HOME", "`id`", "*", "~", "", "é"}
	cmd, err := shellCommand(argv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", cmd).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", cmd, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	want := argv[2:]
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("sh -c %q printed %q, want %q", cmd, got, want)
	}
}

func TestScriptError(t *testing.T) {
	tests := []struct {
		name      string
		number    int
		hasNumber bool
		message   string
		wantIs    error
		wantText  string
	}{
		{name: "cancelled", number: -128, hasNumber: true, message: "User canceled.", wantIs: elevate.ErrCancelled},
		{name: "automation denied", number: -1743, hasNumber: true, message: "Not authorized to send Apple events to Terminal.", wantIs: ErrNotAuthorized},
		{name: "shell exit status", number: 1, hasNumber: true, message: "plutil: invalid\n", wantText: "script failed with AppleScript error 1: plutil: invalid"},
		{name: "number without message", number: -1728, hasNumber: true, wantText: "script failed with AppleScript error -1728"},
		{name: "message without number", message: "odd", wantText: "script failed: odd"},
		{name: "nothing", wantText: "script failed without an error number or message"},
		{name: "-128 only counts as a number", message: "-128", wantText: "script failed: -128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := scriptError(tt.number, tt.hasNumber, tt.message)
			if err == nil {
				t.Fatal("got nil error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v, want %v", err, tt.wantIs)
			}
			if tt.wantText != "" && err.Error() != tt.wantText {
				t.Errorf("got %q, want %q", err.Error(), tt.wantText)
			}
			if tt.wantIs == nil && (errors.Is(err, elevate.ErrCancelled) || errors.Is(err, ErrNotAuthorized)) {
				t.Errorf("got %v, which must not count as cancelled or unauthorized", err)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"https://lima-vm.io/docs/installation/", true},
		{"file:///Users/a/.lima/default/ha.stderr.log", true},
		{"x-apple.systempreferences:com.apple.preference.security?Privacy_Automation", true},
		{"", false},
		{"lima-vm.io", false},
		{"/etc/passwd", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := checkURL(tt.in)
			if (err == nil) != tt.wantOK {
				t.Errorf("checkURL(%q) = %v, want ok=%v", tt.in, err, tt.wantOK)
			}
		})
	}
}

func TestCheckFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lima.yaml")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantOK     bool
	}{
		{"directory", dir, true},
		{"file", file, false},
		{"missing", filepath.Join(dir, "missing"), false},
		{"relative", "default", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFolder(tt.path)
			if (err == nil) != tt.wantOK {
				t.Errorf("checkFolder(%q) = %v, want ok=%v", tt.path, err, tt.wantOK)
			}
		})
	}
}

func TestStubsOutsideMacOS(t *testing.T) {
	if InProcessAdminPromptReliable {
		t.Skip("real implementation")
	}
	if err := (AdminPrompt{}).RunAsRoot(t.Context(), "true", "test"); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("RunAsRoot: got %v, want ErrNotMacOS", err)
	}
	if err := OpenURL("https://lima-vm.io"); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("OpenURL: got %v, want ErrNotMacOS", err)
	}
	if err := OpenFolder(t.TempDir()); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("OpenFolder: got %v, want ErrNotMacOS", err)
	}
	if err := OpenTerminal([]string{"limactl", "shell", "default"}); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("OpenTerminal: got %v, want ErrNotMacOS", err)
	}
}
