//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/appkit"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"
)

// InProcessAdminPromptReliable reports whether AdminPrompt can tell a
// cancelled dialog from a failed script, which is what decides whether the
// app may use it instead of the osascript elevator.
//
// It can, through darwinkit v0.5.0's own types: ExecuteAndReturnError hands
// its unsafe.Pointer argument to libffi unchanged, so NSAppleScript writes
// the error dictionary into a pinned pointer-sized slot we own;
// Dictionary.ObjectForKeyedSubscript looks up NSAppleScriptErrorNumber and
// NSAppleScriptErrorMessage; Number.IntegerValue is declared as a Go int
// for an NSInteger, which is 64 bits on both arm64 and amd64 (unlike
// Number.IntValue, which darwinkit also declares as a Go int although the
// Objective-C method returns a 32-bit int, so its upper half is garbage);
// and each value's class is checked before it is read.
const InProcessAdminPromptReliable = true

// Keys of the error dictionary filled in by -[NSAppleScript
// executeAndReturnError:].
const (
	keyErrorNumber  = "NSAppleScriptErrorNumber"
	keyErrorMessage = "NSAppleScriptErrorMessage"
)

// mainQueueWait bounds how long a call waits for the main thread to pick up
// its work. The main run loop only turns while the menu-bar app runs; in the
// command-line program nothing drains the main queue, and a call must fail
// rather than hang.
const mainQueueWait = 10 * time.Second

// init pins the main goroutine to the process's main thread before main
// runs. AppKit must be driven from that thread (the systray run loop starts
// on it), and work from other goroutines reaches it through the main
// dispatch queue.
func init() {
	runtime.LockOSThread()
}

// RunAsRoot runs script as root after the administrator dialog, in this
// process, so the dialog names LimaBar. The dialog is modal and AppleScript
// cannot be interrupted: ctx only stops a run that has not started yet; once
// the dialog is up, RunAsRoot waits for its outcome, because the caller must
// know whether the root script ran. Cancelling the dialog returns
// elevate.ErrCancelled.
func (AdminPrompt) RunAsRoot(ctx context.Context, script, prompt string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("administrator prompt not shown: %w", err)
	}
	source := elevate.DoShellScript(script, prompt)
	var runErr error
	if err := onMain(ctx, func() { runErr = runAppleScript(source) }); err != nil {
		return fmt.Errorf("administrator prompt not shown: %w", err)
	}
	if runErr != nil && !errors.Is(runErr, elevate.ErrCancelled) {
		return fmt.Errorf("privileged script: %w", runErr)
	}
	return runErr
}

// Alert shows a modal alert with an OK button and returns at once; the
// alert runs on the main thread. LimaBar has no Dock icon and is never the
// active app, so it activates itself first or the alert would open behind
// other windows.
func Alert(title, message string) {
	dispatch.MainQueue().DispatchAsync(func() {
		defer func() { recoverOnMain(recover()) }()
		objc.WithAutoreleasePool(func() {
			alert := appkit.NewAlert()
			alert.SetAlertStyle(appkit.AlertStyleInformational)
			alert.SetMessageText(title)
			alert.SetInformativeText(message)
			alert.AddButtonWithTitle("OK")
			appkit.Application_SharedApplication().ActivateIgnoringOtherApps(true)
			alert.RunModal()
		})
	})
}

// OpenURL opens url in the user's default application for its scheme,
// usually the browser.
func OpenURL(url string) error {
	if err := checkURL(url); err != nil {
		return err
	}
	return openWith(func() foundation.URL { return foundation.URL_URLWithString(url) }, url)
}

// OpenFolder shows the folder at path in Finder.
func OpenFolder(path string) error {
	if err := checkFolder(path); err != nil {
		return err
	}
	return openWith(func() foundation.URL { return foundation.URL_FileURLWithPathIsDirectory(path, true) }, path)
}

// openWith builds the NSURL and opens it with NSWorkspace on the main
// thread; what is the name used in errors.
func openWith(makeURL func() foundation.URL, what string) error {
	ctx, cancel := context.WithTimeout(context.Background(), mainQueueWait)
	defer cancel()
	var openErr error
	err := onMain(ctx, func() {
		objc.WithAutoreleasePool(func() {
			u := makeURL()
			if u.IsNil() {
				openErr = fmt.Errorf("open %q: not a valid URL", what)
				return
			}
			if !appkit.Workspace_SharedWorkspace().OpenURL(u) {
				openErr = fmt.Errorf("open %q: no application could open it", what)
			}
		})
	})
	if err != nil {
		return fmt.Errorf("open %q: %w", what, err)
	}
	return openErr
}

// OpenTerminal opens a new Terminal window running command, for example
// limactl shell NAME. The first time, macOS asks the user to allow LimaBar
// to control Terminal; a refusal returns ErrNotAuthorized.
func OpenTerminal(command []string) error {
	source, err := terminalScript(command)
	if err != nil {
		return fmt.Errorf("open Terminal: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), mainQueueWait)
	defer cancel()
	var runErr error
	if err := onMain(ctx, func() { runErr = runAppleScript(source) }); err != nil {
		return fmt.Errorf("open Terminal: %w", err)
	}
	if runErr != nil {
		return fmt.Errorf("open Terminal: %w", runErr)
	}
	return nil
}

// Stages of a task sent to the main queue, so that a caller that stops
// waiting and the main thread agree on whether the task runs.
const (
	taskPending int32 = iota
	taskStarted
	taskAbandoned
)

// onMain runs fn on the main thread and waits for it. If ctx ends before the
// main thread has started fn, fn never runs and onMain returns the context's
// error; once fn has started, onMain waits for it to finish whatever ctx
// says, so the caller always learns the outcome of work that happened.
func onMain(ctx context.Context, fn func()) error {
	// +[NSThread isMainThread] rather than the instance method: it creates
	// no autoreleased object on a Go thread that has no pool.
	if objc.Call[bool](foundation.ThreadClass, objc.Sel("isMainThread")) {
		// Only the main goroutine, locked in init, can be here: queueing
		// and waiting would deadlock.
		fn()
		return nil
	}
	var stage atomic.Int32
	var panicked error
	done := make(chan struct{})
	dispatch.MainQueue().DispatchAsync(func() {
		if !stage.CompareAndSwap(taskPending, taskStarted) {
			return
		}
		defer close(done)
		defer func() { panicked = recoverOnMain(recover()) }()
		fn()
	})
	select {
	case <-done:
		return panicked
	case <-ctx.Done():
		if stage.CompareAndSwap(taskPending, taskAbandoned) {
			return fmt.Errorf("the main thread did not take the task (is the app's run loop running?): %w", ctx.Err())
		}
		<-done
		return panicked
	}
}

// recoverOnMain takes what recover returned in a block sent to the main
// queue: a panic there is logged and becomes the caller's error instead of
// ending the app, since darwinkit's dispatch does not recover and a crash
// would take every instance's menu with it.
func recoverOnMain(p any) error {
	if p == nil {
		return nil
	}
	slog.Error("panic on the main thread", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return fmt.Errorf("internal error on the main thread: %v", p)
}

// runAppleScript compiles and runs source with NSAppleScript. It must run on
// the main thread: NSAppleScript is not safe to use from other threads.
func runAppleScript(source string) error {
	var err error
	objc.WithAutoreleasePool(func() {
		// NSAppleScript stores an autoreleased NSDictionary* through this
		// pointer on failure. The slot is Go memory handed to Objective-C
		// as a plain address, so it is pinned for the duration of the call.
		slot := new(unsafe.Pointer)
		var pin runtime.Pinner
		pin.Pin(slot)
		defer pin.Unpin()

		script := foundation.NewAppleScriptWithSource(source)
		result := script.ExecuteAndReturnError(unsafe.Pointer(slot))
		if *slot == nil {
			if result.IsNil() {
				err = errors.New("script failed without an error dictionary")
			}
			return
		}
		err = errorFromDictionary(foundation.DictionaryFrom(*slot))
	})
	return err
}

// errorFromDictionary reads the number and message out of an NSAppleScript
// error dictionary, checking each value's class before converting it.
func errorFromDictionary(info foundation.Dictionary) error {
	number, hasNumber := 0, false
	if v := info.ObjectForKeyedSubscript(foundation.NewStringWithString(keyErrorNumber)); !v.IsNil() && v.IsKindOfClass(objc.GetClass("NSNumber")) {
		number, hasNumber = foundation.NumberFrom(v.Ptr()).IntegerValue(), true
	}
	message := ""
	if v := info.ObjectForKeyedSubscript(foundation.NewStringWithString(keyErrorMessage)); !v.IsNil() {
		if v.IsKindOfClass(objc.GetClass("NSString")) {
			message = objc.ToGoString(v.Ptr())
		} else {
			message = v.Description()
		}
	}
	return scriptError(number, hasNumber, message)
}
