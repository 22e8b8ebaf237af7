package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/loginitem"
)

func TestLoginItemProblems(t *testing.T) {
	for _, tc := range []struct {
		name              string
		registered, after loginitem.Status
		regErr, unregErr  error
		want              []string
	}{
		{"enabled, then not registered", loginitem.Enabled, loginitem.NotRegistered, nil, nil, nil},
		{"waiting for approval", loginitem.RequiresApproval, loginitem.NotRegistered, nil, nil, nil},
		{"not found", loginitem.NotFound, loginitem.NotFound, nil, nil, []string{
			"status after register: notFound, want enabled or requiresApproval",
			"status after unregister: notFound, want notRegistered"}},
		{"register fails", loginitem.NotRegistered, loginitem.NotRegistered, errors.New("Operation not permitted"), errors.New("Operation not permitted"), []string{
			"register: Operation not permitted",
			"status after register: notRegistered, want enabled or requiresApproval",
			"unregister: Operation not permitted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := loginItemProblems(tc.registered, tc.after, tc.regErr, tc.unregErr)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Outside a bundle (this test binary, on a Mac too) the probe fails at
// once: it must run inside the app.
func TestProbeFailsOutsideTheBundle(t *testing.T) {
	var out, log bytes.Buffer
	if code := run([]string{"login-item"}, &out, &log); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "no SMAppService.mainApp") {
		t.Errorf("output: %q", out.String())
	}
	out.Reset()
	if code := run([]string{"notifications"}, &out, &log); code != 2 || !strings.Contains(out.String(), `unknown check "notifications"`) {
		t.Errorf("unknown check: exit %d, output %q", code, out.String())
	}
}
