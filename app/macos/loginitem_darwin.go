//go:build darwin

package macos

import (
	"errors"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"

	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/app/macnotify"
)

// serviceManagement is the framework of SMAppService (macOS 13), loaded
// at run time: darwinkit has no binding for it.
const serviceManagement = "/System/Library/Frameworks/ServiceManagement.framework"

// mainAppService is loginitem.Service over SMAppService.mainApp.
type mainAppService struct {
	svc objc.Object
}

// MainAppService returns SMAppService.mainApp, or nil where LimaBar keeps
// its LaunchAgent: on macOS 12 and older, which have no SMAppService, and
// outside an app bundle, which has no main app to register.
func MainAppService(logger *slog.Logger) loginitem.Service {
	var s *mainAppService
	objc.WithAutoreleasePool(func() {
		main := foundation.Bundle_MainBundle()
		if !macnotify.InBundle(main.BundleIdentifier(), main.BundlePath()) {
			return
		}
		if !foundation.Bundle_BundleWithPath(serviceManagement).Load() {
			logger.Warn("cannot load the Service Management framework: Open LimaBar at Login uses a LaunchAgent")
			return
		}
		cls := objc.GetClass("SMAppService")
		if cls.Ptr() == nil {
			logger.Info("no SMAppService before macOS 13: Open LimaBar at Login uses a LaunchAgent")
			return
		}
		svc := objc.Call[objc.Object](cls, objc.Sel("mainAppService"))
		if svc.IsNil() {
			return
		}
		svc.Retain()
		s = &mainAppService{svc: svc}
	})
	if s == nil {
		return nil
	}
	return s
}

// Status implements loginitem.Service.
func (s *mainAppService) Status() loginitem.Status {
	var st int
	objc.WithAutoreleasePool(func() {
		st = objc.Call[int](s.svc, objc.Sel("status"))
	})
	return loginitem.Status(st)
}

// Register implements loginitem.Service.
func (s *mainAppService) Register() error { return s.call("registerAndReturnError:") }

// Unregister implements loginitem.Service.
func (s *mainAppService) Unregister() error { return s.call("unregisterAndReturnError:") }

// call sends a message of the form xAndReturnError: and returns the
// framework's NSError.
func (s *mainAppService) call(sel string) error {
	var err error
	objc.WithAutoreleasePool(func() {
		var nsErr unsafe.Pointer
		if objc.Call[bool](s.svc, objc.Sel(sel), unsafe.Pointer(&nsErr)) {
			return
		}
		if nsErr == nil {
			err = fmt.Errorf("SMAppService %s failed without an error", sel)
			return
		}
		e := foundation.ErrorFrom(nsErr)
		err = fmt.Errorf("%s (%s %d)", e.LocalizedDescription(), e.Domain(), e.Code())
	})
	return err
}

// OpenSettings implements loginitem.Service: System Settings → General →
// Login Items.
func (s *mainAppService) OpenSettings() error {
	if err := OpenURL(loginitem.SettingsURL); err != nil {
		return errors.Join(errors.New("open System Settings → General → Login Items"), err)
	}
	return nil
}
