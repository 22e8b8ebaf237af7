//go:build darwin

package elevate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/quote"
	"github.com/limabar/limabar/autostart/runner"
)

// These tests run the real /usr/bin/osascript without administrator
// privileges: the AppleScript LimaBar builds, minus "with administrator
// privileges", so that no dialog is shown and no password is needed.

const adminSuffix = " with administrator privileges"

// withoutPrivileges is the source of DoShellScript(script, prompt) without
// its administrator privileges, failing the test if it did not end with
// them.
func withoutPrivileges(t *testing.T, script, prompt string) string {
	t.Helper()
	source, ok := strings.CutSuffix(DoShellScript(script, prompt), adminSuffix)
	if !ok {
		t.Fatalf("DoShellScript does not end with %q: %s", adminSuffix, DoShellScript(script, prompt))
	}
	return source
}

// TestOsascriptQuotingRoundTrip: every argument, shell-quoted and written
// as an AppleScript string literal, reaches the shell as exactly its
// bytes. The shell prints them in base64 so that do shell script's own
// line-ending conversion cannot blur the comparison.
func TestOsascriptQuotingRoundTrip(t *testing.T) {
	for _, arg := range []string{
		"plain",
		"",
		"it's",
		`"double"`,
		`back\slash`,
		`\"`,
		"$(id) `id` $HOME",
		"line one\nline two\n",
		"carriage\rreturn",
		"tab\there",
		"café ☃ 日本",
		`" & (do shell script "id") & "`,
		`'; id; '`,
		"%s %d %%",
		"/Users/o'brien/my \"tools\"/limactl",
	} {
		t.Run(fmt.Sprintf("%q", arg), func(t *testing.T) {
			script := "printf %s " + quote.Shell(arg) + " | /usr/bin/base64"
			source := withoutPrivileges(t, script, "LimaBar wants to test quoting.")
			out, err := exec.Command("/usr/bin/osascript", "-e", source).CombinedOutput()
			if err != nil {
				t.Fatalf("osascript -e %q: %v: %s", source, err, out)
			}
			encoded := strings.Join(strings.Fields(string(out)), "")
			got, err := base64.StdEncoding.DecodeString(encoded)
			if err != nil {
				t.Fatalf("osascript printed %q, not base64: %v", out, err)
			}
			if string(got) != arg {
				t.Errorf("the shell got %q, want %q", got, arg)
			}
		})
	}
}

// realOsascript runs the elevator's osascript call with the real
// /usr/bin/osascript, without privileges; replace, when set, stands for
// the AppleScript (for what a user does in the dialog).
type realOsascript struct {
	t       *testing.T
	replace string
}

func (r realOsascript) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if name != "/usr/bin/osascript" || len(args) != 2 || args[0] != "-e" {
		r.t.Fatalf("the elevator ran %q %q, want /usr/bin/osascript -e SOURCE", name, args)
	}
	source, ok := strings.CutSuffix(args[1], adminSuffix)
	if !ok {
		r.t.Fatalf("the elevator's AppleScript does not ask for administrator privileges: %s", args[1])
	}
	if r.replace != "" {
		source = r.replace
	}
	return runner.Exec{}.Run(ctx, name, "-e", source)
}

// TestOsascriptElevatorReadsRealErrors: the elevator's reading of
// osascript's stderr, against the text the real osascript prints.
func TestOsascriptElevatorReadsRealErrors(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		// What the dialog's Cancel button raises.
		el := Osascript{Runner: realOsascript{t: t, replace: `error "User canceled." number -128`}}
		if err := el.RunAsRoot(t.Context(), "true", "LimaBar wants to test."); !errors.Is(err, ErrCancelled) {
			t.Errorf("got %v, want ErrCancelled", err)
		}
	})
	t.Run("script failed", func(t *testing.T) {
		el := Osascript{Runner: realOsascript{t: t}}
		err := el.RunAsRoot(t.Context(), "echo 'limabar: launchctl bootstrap failed' >&2; exit 5", "LimaBar wants to test.")
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Fatalf("got %v, want a ScriptError", err)
		}
		if se.Status != 5 || se.Message != "limabar: launchctl bootstrap failed" {
			t.Errorf("got status %d, message %q; want 5, %q", se.Status, se.Message, "limabar: launchctl bootstrap failed")
		}
		if errors.Is(err, ErrCancelled) {
			t.Errorf("a failed script counts as cancelled: %v", err)
		}
	})
	t.Run("success", func(t *testing.T) {
		el := Osascript{Runner: realOsascript{t: t}}
		if err := el.RunAsRoot(t.Context(), "exit 0", "LimaBar wants to test."); err != nil {
			t.Errorf("got %v, want success", err)
		}
	})
}
