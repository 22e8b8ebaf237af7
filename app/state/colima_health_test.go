package state

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/systemd"
)

// journalRunner answers journalctl with what journald keeps of a Colima
// unit, whose standard error goes to its own file: systemd's lines only.
type journalRunner struct{}

func (j *journalRunner) Run(_ context.Context, name string, _ ...string) ([]byte, error) {
	return []byte("Started limabar-colima@dev.service - Colima profile dev, started by LimaBar.\n" +
		"limabar-colima@dev.service: Main process exited, code=exited, status=1/FAILURE\n" +
		"limabar-colima@dev.service: Failed with result 'exit-code'.\n"), nil
}

// TestColimaJobReasonIsColimas: the reason of a failed Colima unit is
// colima's own fatal line, read from the file the unit appends colima's
// standard error to (systemd.ColimaStderrLog), not systemd's last line in
// the journal; a file of an earlier run is passed over.
func TestColimaJobReasonIsColimas(t *testing.T) {
	sample, err := os.ReadFile("../../autostart/health/testdata/colima-v0.10.1-start-without-limactl.stderr")
	if err != nil {
		t.Fatal(err)
	}
	const want = `lima compatibility error: error checking Lima version: exec: "limactl": executable file not found in $PATH`
	dir := t.TempDir()
	log := filepath.Join(dir, systemd.ColimaStderrLog)
	// Two runs appended, the last one the failure.
	write(t, log, `time="2026-12-08T01:40:00Z" level=fatal msg="an earlier run"`+"\n"+string(sample))
	in := autostart.Instance{Name: "colima-dev", Tool: autostart.ToolColima, Profile: "dev", Dir: dir}
	unit := UnitName(in)
	started := time.Now().Add(-time.Minute)

	j := &journalRunner{}
	s := &SystemdHealth{Runner: j, Logger: slog.New(slog.DiscardHandler), reasons: map[string]reason{}}
	r := s.reason(context.Background(), in, unit, started)
	if r.text != want || r.file != log {
		t.Errorf("reason = %q from %q, want %q from %q", r.text, r.file, want, log)
	}

	// The same file, older than the run: the journal's line is all there is.
	old := started.Add(-time.Hour)
	if err := os.Chtimes(log, old, old); err != nil {
		t.Fatal(err)
	}
	s = &SystemdHealth{Runner: j, Logger: slog.New(slog.DiscardHandler), reasons: map[string]reason{}}
	r = s.reason(context.Background(), in, unit, started)
	if r.text != "limabar-colima@dev.service: Failed with result 'exit-code'." || r.file != "" {
		t.Errorf("with a log of an earlier run: reason = %q from %q", r.text, r.file)
	}

	// A Lima instance's unit does not read the Colima unit's file.
	if err := os.Chtimes(log, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	lima := autostart.Instance{Name: "colima", Dir: dir}
	s = &SystemdHealth{Runner: j, Logger: slog.New(slog.DiscardHandler), reasons: map[string]reason{}}
	if r := s.reason(context.Background(), lima, UnitName(lima), started); r.file == log {
		t.Errorf("a Lima unit's reason was read from %s", log)
	}
}
