// Package loginitem is "Open LimaBar at Login" on macOS 13 and later:
// LimaBar registers itself with SMAppService.mainApp, so that System
// Settings → General → Login Items lists "LimaBar" with its icon under
// "Open at Login", and the user's switch there is LimaBar's own state.
// Before, LimaBar wrote a LaunchAgent (app/selfstart), which macOS 13 lists
// under "Allow in the Background" and announces with a "Background Items
// Added" notice; an agent left by an earlier LimaBar is migrated once.
// macOS 12 and older, and a LimaBar not run from its bundle, keep the agent.
//
// What the framework does is modelled from Apple's documentation of
// SMAppService and SMAppService.Status and from what apps have reported of
// it (testdata/smappservice-status.txt):
//
//   - status is one of notRegistered (0), enabled (1), requiresApproval (2),
//     notFound (3): steipete/CodexBar#1469 measured the raw values.
//   - requiresApproval: "The service has been successfully registered, but
//     the user needs to take action in System Settings." Once the user has
//     switched LimaBar off in Login Items the status stays requiresApproval
//     and register() reports success without changing it
//     (vorssaint/vorssaint-utils#760): only the user, in System Settings,
//     can approve it, so LimaBar opens that page and says so.
//   - notRegistered is also the status of "a service that attempted to
//     reregister after it was already registered" (Apple): LimaBar never
//     registers a service that is enabled.
//   - Turning it off unregisters every status but notRegistered, a waiting
//     approval included (steipete/CodexBar#1469).
//
// Everything here is ordinary Go tested on Linux with a stand-in for
// SMAppService; app/macos holds the Objective-C calls.
package loginitem

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// Status is SMAppServiceStatus, with the framework's numbers.
type Status int

// The values of SMAppServiceStatus.
const (
	NotRegistered    Status = 0
	Enabled          Status = 1
	RequiresApproval Status = 2
	NotFound         Status = 3
)

func (s Status) String() string {
	switch s {
	case NotRegistered:
		return "notRegistered"
	case Enabled:
		return "enabled"
	case RequiresApproval:
		return "requiresApproval"
	case NotFound:
		return "notFound"
	}
	return fmt.Sprintf("SMAppServiceStatus(%d)", int(s))
}

// SettingsURL opens System Settings → General → Login Items.
const SettingsURL = "x-apple.systempreferences:com.apple.LoginItems-Settings.extension"

// Service is SMAppService.mainApp.
type Service interface {
	Status() Status
	// Register and Unregister return the framework's NSError.
	Register() error
	Unregister() error
	// OpenSettings opens SettingsURL.
	OpenSettings() error
}

// Agent is the LaunchAgent of "Open LimaBar at Login" (selfstart.LoginItem
// on a Mac): what older macOS keeps and what is migrated.
type Agent interface {
	Path() (string, error)
	Enabled() (bool, error)
	Enable() error
	Disable() error
}

// SelfStarter is the switch's side of the program (state.SelfStarter).
type SelfStarter interface {
	Enabled() (bool, error)
	Enable() error
	Disable() error
}

// ErrRequiresApproval is returned when LimaBar is registered but macOS
// waits for the user's approval in System Settings.
var ErrRequiresApproval = errors.New("LimaBar is registered, and macOS waits for your approval: turn LimaBar on in System Settings → General → Login Items (LimaBar opened it)")

// New returns the switch: the login item through service on macOS 13 and
// later when LimaBar runs from its bundle (service not nil), the agent
// otherwise. record is the file that remembers that the agent was
// migrated.
func New(service Service, agent Agent, record string, logger *slog.Logger) SelfStarter {
	if service == nil {
		return agent
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Item{Service: service, Agent: agent, Record: record, Logger: logger}
}

// Item is LimaBar's login item through SMAppService.
type Item struct {
	Service Service
	Agent   Agent
	// Record is the file whose presence says that the agent of an earlier
	// LimaBar was migrated (or that there was none).
	Record string
	Logger *slog.Logger

	once sync.Once
	// agentKept says that an enabled agent could not be migrated this
	// time: it still opens LimaBar at login, so the switch shows it and
	// turning the switch off removes it too.
	agentKept bool
}

// Enabled implements SelfStarter: LimaBar opens at the next login only
// when the status is enabled. A registration waiting for approval does
// not (see Note).
func (it *Item) Enabled() (bool, error) {
	it.migrate()
	if it.Service.Status() == Enabled {
		return true, nil
	}
	if it.agentKept {
		return it.Agent.Enabled()
	}
	return false, nil
}

// Status is the service's status, after the migration.
func (it *Item) Status() Status {
	it.migrate()
	return it.Service.Status()
}

// Enable implements SelfStarter. A service already enabled is left alone.
// When macOS wants the user's approval, the Login Items page is opened and
// ErrRequiresApproval says what to do there.
func (it *Item) Enable() error {
	it.migrate()
	st := it.Service.Status()
	if st == Enabled {
		return nil
	}
	if st != RequiresApproval {
		if err := it.Service.Register(); err != nil {
			return fmt.Errorf("register LimaBar as a login item (status %s): %w", st, err)
		}
		st = it.Service.Status()
	}
	switch st {
	case Enabled:
		return nil
	case RequiresApproval:
		if err := it.Service.OpenSettings(); err != nil {
			return fmt.Errorf("%w; cannot open it: %v", ErrRequiresApproval, err)
		}
		return ErrRequiresApproval
	}
	return fmt.Errorf("register LimaBar as a login item: macOS reports %s afterwards", st)
}

// Disable implements SelfStarter: every status but notRegistered is
// unregistered, an approval still waiting included.
func (it *Item) Disable() error {
	it.migrate()
	if it.agentKept {
		if err := it.Agent.Disable(); err != nil {
			return err
		}
		it.agentKept = false
	}
	st := it.Service.Status()
	if st == NotRegistered {
		return nil
	}
	if err := it.Service.Unregister(); err != nil {
		return fmt.Errorf("unregister LimaBar as a login item (status %s): %w", st, err)
	}
	return nil
}

// Note is what the menu says of st beside the switch: where the user
// approves a registration that waits, and nothing for the others.
func Note(st Status) string {
	switch st {
	case RequiresApproval:
		return "Approve LimaBar in System Settings → General → Login Items"
	case NotFound:
		return "macOS cannot find LimaBar.app to open at login; move it to Applications"
	}
	return ""
}

// migrate moves an earlier LimaBar's LaunchAgent to the service, once: a
// record says it was done, so a later start does nothing, and the user's
// choice in Login Items stays theirs. An enabled agent is replaced by a
// registration; the agent is removed only after the registration
// succeeded, so a failure leaves LimaBar opening at login as before, and
// the next start tries again. A disabled agent (switched off) is removed
// without registering.
func (it *Item) migrate() {
	it.once.Do(func() {
		if it.Record == "" || it.Agent == nil {
			return
		}
		if _, err := os.Stat(it.Record); err == nil {
			return
		}
		path, err := it.Agent.Path()
		if err != nil {
			it.Logger.Warn("cannot look for an earlier LimaBar's LaunchAgent", "err", err)
			return
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			it.done("no LaunchAgent to migrate")
			return
		} else if err != nil {
			it.Logger.Warn("cannot look for an earlier LimaBar's LaunchAgent", "err", err)
			return
		}
		on, err := it.Agent.Enabled()
		if err != nil {
			it.Logger.Warn("LaunchAgent not migrated: cannot read it", "agent", path, "err", err)
			return
		}
		if on {
			if st := it.Service.Status(); st != Enabled && st != RequiresApproval {
				if err := it.Service.Register(); err != nil {
					it.Logger.Warn("LaunchAgent kept: cannot register LimaBar as a login item", "agent", path, "status", st.String(), "err", err)
					it.agentKept = true
					return
				}
				if st := it.Service.Status(); st != Enabled && st != RequiresApproval {
					it.Logger.Warn("LaunchAgent kept: the login item is not registered after registering", "agent", path, "status", st.String())
					it.agentKept = true
					return
				}
			}
		}
		if err := it.Agent.Disable(); err != nil {
			it.Logger.Warn("cannot remove the LaunchAgent of an earlier LimaBar", "agent", path, "err", err)
			it.agentKept = on
			return
		}
		if on {
			it.done("migrated the LaunchAgent " + path + " to the login item")
		} else {
			it.done("removed the switched-off LaunchAgent " + path)
		}
	})
}

// done writes the record of the migration.
func (it *Item) done(what string) {
	if err := writeAtomic(it.Record, []byte(what+"\n")); err != nil {
		it.Logger.Warn("cannot record the migration of the LaunchAgent", "err", err)
		return
	}
	it.Logger.Info("login item: "+what, "record", it.Record)
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
