package health

import (
	"os"
	"testing"
)

// TestReasonOfColima: the reason of a Colima job that failed is colima's
// own fatal message, read from the verbatim stderr of colima v0.10.1
// (testdata/SOURCES.md), with limactl's line before it passed over.
func TestReasonOfColima(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"colima-v0.10.1-start-without-limactl.stderr",
			`lima compatibility error: error checking Lima version: exec: "limactl": executable file not found in $PATH`},
		{"colima-v0.10.1-start-limactl-without-share.stderr",
			`lima compatibility error: error checking Lima version: exit status 1`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := Reason(string(data)); got != tc.want {
				t.Errorf("Reason = %q, want %q", got, tc.want)
			}
			// As the journal or launchd's log holds it after systemd's
			// or the job's own lines.
			if got := Reason("Started limabar-colima@x.service.\n" + string(data) + "\n"); got != tc.want {
				t.Errorf("Reason after a line of systemd's = %q, want %q", got, tc.want)
			}
		})
	}
}
