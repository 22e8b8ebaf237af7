package loginitem

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mainApp is a stand-in for SMAppService.mainApp that records its calls and
// models the status transitions the package doc cites:
//   - register of a service not registered enables it, or leaves it waiting
//     for approval when the user has switched LimaBar off in Login Items
//     (vorssaint/vorssaint-utils#760);
//   - register while waiting for approval succeeds and changes nothing
//     (the same);
//   - register of an enabled service leaves it notRegistered (Apple's
//     notRegistered: "attempted to reregister after it was already
//     registered"), so that a test catches code that re-registers;
//   - unregister of any registered status makes it notRegistered
//     (steipete/CodexBar#1469); unregister of a service not registered
//     fails here, which no sample shows, so that a test catches code that
//     does it.
type mainApp struct {
	status        Status
	userOff       bool
	registerErr   error
	unregisterErr error
	calls         []string
}

func (m *mainApp) Status() Status {
	m.calls = append(m.calls, "status")
	return m.status
}

func (m *mainApp) Register() error {
	m.calls = append(m.calls, "register")
	if m.registerErr != nil {
		return m.registerErr
	}
	switch m.status {
	case Enabled:
		m.status = NotRegistered
	case RequiresApproval:
	default:
		m.status = Enabled
		if m.userOff {
			m.status = RequiresApproval
		}
	}
	return nil
}

func (m *mainApp) Unregister() error {
	m.calls = append(m.calls, "unregister")
	if m.unregisterErr != nil {
		return m.unregisterErr
	}
	if m.status == NotRegistered {
		return errors.New("model: unregister of a service that is not registered")
	}
	m.status = NotRegistered
	return nil
}

func (m *mainApp) OpenSettings() error {
	m.calls = append(m.calls, "openSettings")
	return nil
}

// agent is the LaunchAgent of an earlier LimaBar: a file, and whether
// launchd has it enabled.
type agent struct {
	path       string
	enabled    bool
	disableErr error
	calls      []string
}

func newAgent(t *testing.T, present, enabled bool) *agent {
	a := &agent{path: filepath.Join(t.TempDir(), "io.github.limabar.plist"), enabled: enabled}
	if present {
		if err := os.WriteFile(a.path, []byte("<plist/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (a *agent) Path() (string, error) { return a.path, nil }

func (a *agent) Enabled() (bool, error) {
	a.calls = append(a.calls, "enabled")
	_, err := os.Stat(a.path)
	return err == nil && a.enabled, nil
}

func (a *agent) Enable() error {
	a.calls = append(a.calls, "enable")
	a.enabled = true
	return os.WriteFile(a.path, []byte("<plist/>"), 0o644)
}

func (a *agent) Disable() error {
	a.calls = append(a.calls, "disable")
	if a.disableErr != nil {
		return a.disableErr
	}
	a.enabled = false
	return os.Remove(a.path)
}

func (a *agent) present() bool {
	_, err := os.Stat(a.path)
	return err == nil
}

// migrated is an Item whose migration was recorded before.
func migrated(t *testing.T, m *mainApp) *Item {
	record := filepath.Join(t.TempDir(), "login-item-migrated")
	if err := os.WriteFile(record, []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Item{Service: m, Agent: newAgent(t, false, false), Record: record, Logger: slog.New(slog.DiscardHandler)}
}

func TestTheSwitchShowsTheStatus(t *testing.T) {
	for _, tc := range []struct {
		status Status
		on     bool
		note   string
	}{
		{NotRegistered, false, ""},
		{Enabled, true, ""},
		{RequiresApproval, false, "Approve LimaBar in System Settings → General → Login Items"},
		{NotFound, false, "macOS cannot find LimaBar.app to open at login; move it to Applications"},
	} {
		t.Run(tc.status.String(), func(t *testing.T) {
			m := &mainApp{status: tc.status}
			it := migrated(t, m)
			on, err := it.Enabled()
			if err != nil || on != tc.on {
				t.Errorf("Enabled() = %v, %v; want %v", on, err, tc.on)
			}
			if got := Note(it.Status()); got != tc.note {
				t.Errorf("Note: got %q, want %q", got, tc.note)
			}
			if slices.Contains(m.calls, "register") || slices.Contains(m.calls, "unregister") {
				t.Errorf("reading the switch changed the service: %q", m.calls)
			}
		})
	}
}

func TestEnable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		m         mainApp
		wantErr   error
		wantCalls []string
		want      Status
	}{
		{"not registered", mainApp{status: NotRegistered}, nil,
			[]string{"status", "register", "status"}, Enabled},
		{"enabled already: never registered again", mainApp{status: Enabled}, nil,
			[]string{"status"}, Enabled},
		{"switched off by the user in Login Items", mainApp{status: NotRegistered, userOff: true}, ErrRequiresApproval,
			[]string{"status", "register", "status", "openSettings"}, RequiresApproval},
		{"waiting for approval: register cannot approve", mainApp{status: RequiresApproval}, ErrRequiresApproval,
			[]string{"status", "openSettings"}, RequiresApproval},
		{"not found", mainApp{status: NotFound}, nil,
			[]string{"status", "register", "status"}, Enabled},
		{"register fails", mainApp{status: NotRegistered, registerErr: errors.New("Operation not permitted")}, nil,
			[]string{"status", "register"}, NotRegistered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			it := migrated(t, &m)
			err := it.Enable()
			switch {
			case tc.m.registerErr != nil:
				if err == nil || !strings.Contains(err.Error(), "Operation not permitted") {
					t.Errorf("Enable() = %v, want the framework's error", err)
				}
			case !errors.Is(err, tc.wantErr):
				t.Errorf("Enable() = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(m.calls, tc.wantCalls) {
				t.Errorf("calls: got %q, want %q", m.calls, tc.wantCalls)
			}
			if m.status != tc.want {
				t.Errorf("status afterwards: got %s, want %s", m.status, tc.want)
			}
		})
	}
}

func TestDisable(t *testing.T) {
	for _, st := range []Status{NotRegistered, Enabled, RequiresApproval, NotFound} {
		t.Run(st.String(), func(t *testing.T) {
			m := &mainApp{status: st}
			it := migrated(t, m)
			if err := it.Disable(); err != nil {
				t.Fatalf("Disable: %v", err)
			}
			want := []string{"status", "unregister"}
			if st == NotRegistered {
				want = []string{"status"}
			}
			if !slices.Equal(m.calls, want) {
				t.Errorf("calls: got %q, want %q", m.calls, want)
			}
			if m.status != NotRegistered {
				t.Errorf("status afterwards: got %s, want notRegistered", m.status)
			}
		})
	}
}

func TestMigrationOfAnEarlierLaunchAgent(t *testing.T) {
	for _, tc := range []struct {
		name              string
		present, enabled  bool
		m                 mainApp
		disableErr        error
		wantCalls         []string
		wantStatus        Status
		wantAgent, wantOn bool
		wantRecord        bool
		wantLog           string
	}{
		{name: "an enabled agent becomes the login item", present: true, enabled: true,
			m: mainApp{status: NotRegistered}, wantCalls: []string{"status", "register", "status", "status"},
			wantStatus: Enabled, wantOn: true, wantRecord: true, wantLog: "migrated the LaunchAgent"},
		{name: "the user had switched LimaBar off in Login Items", present: true, enabled: true,
			m: mainApp{status: NotRegistered, userOff: true}, wantCalls: []string{"status", "register", "status", "status"},
			wantStatus: RequiresApproval, wantRecord: true, wantLog: "migrated the LaunchAgent"},
		{name: "registered already", present: true, enabled: true,
			m: mainApp{status: Enabled}, wantCalls: []string{"status", "status"},
			wantStatus: Enabled, wantOn: true, wantRecord: true},
		{name: "registering fails: the agent stays and the switch shows it", present: true, enabled: true,
			m: mainApp{status: NotRegistered, registerErr: errors.New("Operation not permitted")}, wantCalls: []string{"status", "register", "status"},
			wantStatus: NotRegistered, wantAgent: true, wantOn: true, wantLog: "Operation not permitted"},
		{name: "removing the agent fails: it is tried again at the next start", present: true, enabled: true,
			m: mainApp{status: NotRegistered}, disableErr: errors.New("permission denied"), wantCalls: []string{"status", "register", "status", "status"},
			wantStatus: Enabled, wantAgent: true, wantOn: true, wantLog: "permission denied"},
		{name: "a switched-off agent is removed, not registered", present: true, enabled: false,
			m: mainApp{status: NotRegistered}, wantCalls: []string{"status"},
			wantStatus: NotRegistered, wantRecord: true, wantLog: "removed the switched-off LaunchAgent"},
		{name: "no agent", m: mainApp{status: NotRegistered}, wantCalls: []string{"status"},
			wantStatus: NotRegistered, wantRecord: true, wantLog: "no LaunchAgent to migrate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			a := newAgent(t, tc.present, tc.enabled)
			a.disableErr = tc.disableErr
			record := filepath.Join(t.TempDir(), "state", "login-item-migrated")
			var log bytes.Buffer
			it := New(&m, a, record, slog.New(slog.NewTextHandler(&log, nil)))
			on, err := it.Enabled()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.calls, tc.wantCalls) {
				t.Errorf("calls: got %q, want %q", m.calls, tc.wantCalls)
			}
			if m.status != tc.wantStatus {
				t.Errorf("status: got %s, want %s", m.status, tc.wantStatus)
			}
			if a.present() != tc.wantAgent {
				t.Errorf("agent present: got %v, want %v", a.present(), tc.wantAgent)
			}
			if on != tc.wantOn {
				t.Errorf("switch: got %v, want %v", on, tc.wantOn)
			}
			_, err = os.Stat(record)
			if (err == nil) != tc.wantRecord {
				t.Errorf("record written: got %v, want %v", err == nil, tc.wantRecord)
			}
			if !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("log: got %q, want %q", log.String(), tc.wantLog)
			}

			// The next start of LimaBar.
			m.calls = nil
			a.calls = nil
			again := New(&m, a, record, slog.New(slog.DiscardHandler))
			if _, err := again.Enabled(); err != nil {
				t.Fatal(err)
			}
			if tc.wantRecord {
				if !slices.Equal(m.calls, []string{"status"}) || len(a.calls) != 0 {
					t.Errorf("migrated again at the next start: service %q, agent %q", m.calls, a.calls)
				}
			} else if !slices.Contains(a.calls, "enabled") {
				t.Errorf("not tried again at the next start: service %q, agent %q", m.calls, a.calls)
			}
		})
	}
}

func TestTurningOffRemovesAnAgentThatWasKept(t *testing.T) {
	m := &mainApp{status: NotRegistered, registerErr: errors.New("Operation not permitted")}
	a := newAgent(t, true, true)
	it := New(m, a, filepath.Join(t.TempDir(), "record"), slog.New(slog.DiscardHandler))
	if on, _ := it.Enabled(); !on {
		t.Fatal("the kept agent does not show as on")
	}
	if err := it.Disable(); err != nil {
		t.Fatal(err)
	}
	if a.present() {
		t.Error("the agent is still there")
	}
	if on, _ := it.Enabled(); on {
		t.Error("the switch still shows on")
	}
}

func TestOlderMacOSKeepsTheAgent(t *testing.T) {
	a := newAgent(t, false, false)
	s := New(nil, a, filepath.Join(t.TempDir(), "record"), nil)
	if s != SelfStarter(a) {
		t.Fatalf("New without a service: got %T, want the agent", s)
	}
	if err := s.Enable(); err != nil || !a.present() {
		t.Errorf("Enable: %v, agent present %v", err, a.present())
	}
}

// TestStatusValuesMatchTheSamples walks the raw values measured on a Mac.
func TestStatusValuesMatchTheSamples(t *testing.T) {
	data, err := os.ReadFile("testdata/smappservice-status.txt")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("`\\.(\\w+)` = `SMAppServiceStatus\\(rawValue: (\\d+)\\)`")
	ms := re.FindAllStringSubmatch(string(data), -1)
	if len(ms) != 4 {
		t.Fatalf("found %d raw values in the samples, want 4", len(ms))
	}
	for _, m := range ms {
		n, _ := strconv.Atoi(m[2])
		if got := Status(n).String(); got != m[1] {
			t.Errorf("Status(%d) = %s, the sample says %s", n, got, m[1])
		}
	}
}
