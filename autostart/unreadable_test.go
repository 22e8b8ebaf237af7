package autostart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnreadableRegistrationIsLeftAlone: a registration that is there but
// cannot be read (here a folder where the file should be; for a user, a
// root-owned unit left by `sudo limactl start-at-login`) is not taken for
// none. Enable and Disable refuse, naming the instance, and leave it, where
// before a failure's rollback would have deleted it.
func TestUnreadableRegistrationIsLeftAlone(t *testing.T) {
	for _, p := range []Platform{Linux, Darwin} {
		t.Run(string(p), func(t *testing.T) {
			f := newFixture(t, p)
			// Only questions are declared: a change would be an
			// unexpected command.
			f.fake.Expect(printDisabled("gui/501"))
			path := f.unitPath()
			if p == Darwin {
				path = f.agentPath()
			}
			must(t, os.MkdirAll(filepath.Join(path, "inside"), 0o755))
			ctx := context.Background()
			_, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
			if err == nil || !strings.Contains(err.Error(), `instance "default"`) {
				t.Errorf("Enable: got %v, want an error naming the instance", err)
			}
			if p == Linux {
				_, err = f.m.Disable(ctx, f.inst, Login)
				if err == nil || !strings.Contains(err.Error(), `instance "default"`) {
					t.Errorf("Disable: got %v, want an error naming the instance", err)
				}
			}
			if _, err := os.Stat(filepath.Join(path, "inside")); err != nil {
				t.Errorf("the unreadable registration was touched: %v", err)
			}
			// Reading launchd's overrides is a question; nothing that
			// changes a registration may run.
			for _, argv := range f.fake.Argvs() {
				if !strings.Contains(argv, " print") {
					t.Errorf("got command %q, want only questions", argv)
				}
			}
		})
	}
}
