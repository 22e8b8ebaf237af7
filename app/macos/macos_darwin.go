//go:build darwin

package macos

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/appkit"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"
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
