//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"

	"github.com/limabar/limabar/app/macnotify"
)

// userNotifications is the framework, loaded at run time: darwinkit has no
// binding for it, so its classes are reached through the Objective-C
// runtime, which knows them once the framework is loaded.
const userNotifications = "/System/Library/Frameworks/UserNotifications.framework"

// Option bits of the framework (UNUserNotificationCenter.h,
// UNNotificationAction.h).
const (
	authorizationSound uint = 1 << 1 // UNAuthorizationOptionSound
	authorizationAlert uint = 1 << 2 // UNAuthorizationOptionAlert

	presentSound  uint = 1 << 1 // UNNotificationPresentationOptionSound
	presentList   uint = 1 << 3 // UNNotificationPresentationOptionList
	presentBanner uint = 1 << 4 // UNNotificationPresentationOptionBanner

	actionForeground uint = 1 << 2 // UNNotificationActionOptionForeground
)

// unCenter is macnotify.Center over UNUserNotificationCenter. Each call
// hands the framework a completion block and waits for it on the calling
// goroutine, never on the main thread: the framework calls the blocks on a
// queue of its own.
type unCenter struct {
	center  objc.Object
	respond atomic.Pointer[func(macnotify.Response)]
}

// active is the process's center, for the delegate's callbacks.
var active atomic.Pointer[unCenter]

// notificationCenter returns the framework's center when LimaBar runs from
// its app bundle, and nil otherwise: +[UNUserNotificationCenter
// currentNotificationCenter] raises in a process without one, which ends it
// (macnotify's testdata/bundleproxy-nil.txt). It also makes LimaBar the
// center's delegate, before the app has finished launching, as the
// framework asks, so that a click that opens LimaBar reaches it.
func notificationCenter(logger *slog.Logger) macnotify.Center {
	var c *unCenter
	objc.WithAutoreleasePool(func() {
		main := foundation.Bundle_MainBundle()
		id, path := main.BundleIdentifier(), main.BundlePath()
		if !macnotify.InBundle(id, path) {
			logger.Info("not running from LimaBar.app: notifications go through osascript", "bundle", path)
			return
		}
		if !foundation.Bundle_BundleWithPath(userNotifications).Load() {
			logger.Warn("cannot load the User Notifications framework: notifications go through osascript")
			return
		}
		cls := objc.GetClass("UNUserNotificationCenter")
		if cls.Ptr() == nil {
			logger.Warn("no UNUserNotificationCenter: notifications go through osascript")
			return
		}
		center := objc.Call[objc.Object](cls, objc.Sel("currentNotificationCenter"))
		if center.IsNil() {
			return
		}
		center.Retain()
		c = &unCenter{center: center}
		active.Store(c)
		// The center holds its delegate weakly; this one is never
		// released.
		objc.Call[objc.Void](center, objc.Sel("setDelegate:"), newDelegate())
	})
	if c == nil {
		return nil
	}
	return c
}

// Authorization implements macnotify.Center.
func (c *unCenter) Authorization(ctx context.Context) (macnotify.Authorization, error) {
	got := make(chan macnotify.Authorization, 1)
	objc.WithAutoreleasePool(func() {
		objc.Call[objc.Void](c.center, objc.Sel("getNotificationSettingsWithCompletionHandler:"), func(settings objc.Object) {
			got <- macnotify.Authorization(objc.Call[int](settings, objc.Sel("authorizationStatus")))
		})
	})
	select {
	case a := <-got:
		return a, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("read the notification settings: %w", ctx.Err())
	}
}

// RequestAuthorization implements macnotify.Center.
func (c *unCenter) RequestAuthorization(ctx context.Context) (bool, error) {
	type answer struct {
		granted bool
		err     error
	}
	got := make(chan answer, 1)
	objc.WithAutoreleasePool(func() {
		objc.Call[objc.Void](c.center, objc.Sel("requestAuthorizationWithOptions:completionHandler:"), authorizationAlert|authorizationSound,
			func(granted bool, nsErr objc.Object) {
				got <- answer{granted, errorOf(nsErr)}
			})
	})
	select {
	case a := <-got:
		return a.granted, a.err
	case <-ctx.Done():
		return false, fmt.Errorf("ask for the notification permission: %w", ctx.Err())
	}
}

// SetCategories implements macnotify.Center.
func (c *unCenter) SetCategories(cs []macnotify.Category) error {
	objc.WithAutoreleasePool(func() {
		var set []objc.IObject
		for _, cat := range cs {
			action := objc.Call[objc.Object](objc.GetClass("UNNotificationAction"), objc.Sel("actionWithIdentifier:title:options:"),
				cat.ActionID, cat.ActionTitle, actionForeground)
			category := objc.Call[objc.Object](objc.GetClass("UNNotificationCategory"), objc.Sel("categoryWithIdentifier:actions:intentIdentifiers:options:"),
				cat.ID, []objc.IObject{action}, []string{}, uint(0))
			set = append(set, category)
		}
		objc.Call[objc.Void](c.center, objc.Sel("setNotificationCategories:"), foundation.Set_SetWithArray(set))
	})
	return nil
}

// Add implements macnotify.Center.
func (c *unCenter) Add(ctx context.Context, r macnotify.Request) error {
	done := make(chan error, 1)
	objc.WithAutoreleasePool(func() {
		content := objc.Call[objc.Object](objc.GetClass("UNMutableNotificationContent"), objc.Sel("new"))
		content.Autorelease()
		objc.Call[objc.Void](content, objc.Sel("setTitle:"), r.Title)
		objc.Call[objc.Void](content, objc.Sel("setBody:"), r.Body)
		if r.Category != "" {
			objc.Call[objc.Void](content, objc.Sel("setCategoryIdentifier:"), r.Category)
		}
		sound := objc.Call[objc.Object](objc.GetClass("UNNotificationSound"), objc.Sel("defaultSound"))
		objc.Call[objc.Void](content, objc.Sel("setSound:"), sound)
		req := objc.Call[objc.Object](objc.GetClass("UNNotificationRequest"), objc.Sel("requestWithIdentifier:content:trigger:"),
			r.ID, content, nil)
		objc.Call[objc.Void](c.center, objc.Sel("addNotificationRequest:withCompletionHandler:"), req, func(nsErr objc.Object) {
			done <- errorOf(nsErr)
		})
	})
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("post the notification %q: %w", r.Title, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("post the notification %q: %w", r.Title, ctx.Err())
	}
}

// OnResponse implements macnotify.Center.
func (c *unCenter) OnResponse(fn func(macnotify.Response)) { c.respond.Store(&fn) }

// errorOf is the Go error of an NSError, nil for nil.
func errorOf(nsErr objc.Object) error {
	if nsErr.IsNil() {
		return nil
	}
	return errors.New(foundation.ErrorFrom(nsErr.Ptr()).LocalizedDescription())
}

// delegateClass is LimaBar's UNUserNotificationCenterDelegate, registered
// with the runtime once.
var delegateClass = sync.OnceValue(func() objc.Class {
	cls := objc.AllocateClass(objc.GetClass("NSObject"), "LimaBarNotificationDelegate", 0)
	if p := objc.GetProtocol("UNUserNotificationCenterDelegate"); p.Ptr() != nil {
		cls.AddProtocol(p)
	}
	// A click on the notification or on one of its actions. The
	// framework calls it on a queue of its own and waits for done:
	// respond only looks the handler up, which runs on a goroutine.
	objc.AddMethod(cls, objc.Sel("userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:"),
		func(_ objc.Object, _ objc.Object, response objc.Object, done objc.Block) {
			defer objc.CallBlock[objc.Void](done)
			c := active.Load()
			if c == nil {
				return
			}
			fn := c.respond.Load()
			if fn == nil {
				return
			}
			request := objc.Call[objc.Object](objc.Call[objc.Object](response, objc.Sel("notification")), objc.Sel("request"))
			(*fn)(macnotify.Response{
				RequestID: objc.Call[string](request, objc.Sel("identifier")),
				ActionID:  objc.Call[string](response, objc.Sel("actionIdentifier")),
			})
		})
	// A notification that arrives while LimaBar is the active app (its
	// menu is open) is shown as a banner too, instead of only in
	// Notification Center.
	objc.AddMethod(cls, objc.Sel("userNotificationCenter:willPresentNotification:withCompletionHandler:"),
		func(_ objc.Object, _ objc.Object, _ objc.Object, done objc.Block) {
			objc.CallBlock[objc.Void](done, presentBanner|presentList|presentSound)
		})
	objc.RegisterClass(cls)
	return cls
})

func newDelegate() objc.Object {
	return objc.Call[objc.Object](delegateClass(), objc.Sel("new"))
}
