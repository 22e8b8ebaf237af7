package main

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// harness lets this program use scripts/testenv, whose helpers take a
// testing.TB, outside `go test`: the systemd user manager, the bus and the
// display are then started and stopped exactly as the tests do it (the
// manager in a cgroup of its own). Embedding the interface supplies
// testing.TB's unexported method; every method testenv calls is defined
// here, and the embedded value is never used.
type harness struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	tmp      []string
	failed   bool
}

// fatal is the panic value of Fatal and Skip; run turns it into an error.
type fatal struct{ msg string }

func (h *harness) Helper() {}

func (h *harness) Cleanup(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, f)
}

func (h *harness) Logf(format string, args ...any) { log.Printf(format, args...) }
func (h *harness) Log(args ...any)                 { log.Print(args...) }

func (h *harness) Errorf(format string, args ...any) {
	h.mu.Lock()
	h.failed = true
	h.mu.Unlock()
	log.Printf("error: "+format, args...)
}

func (h *harness) Error(args ...any) { h.Errorf("%s", fmt.Sprint(args...)) }

func (h *harness) Fatalf(format string, args ...any) { panic(fatal{fmt.Sprintf(format, args...)}) }
func (h *harness) Fatal(args ...any)                 { panic(fatal{fmt.Sprint(args...)}) }
func (h *harness) FailNow()                          { panic(fatal{"FailNow"}) }
func (h *harness) Skipf(format string, args ...any) {
	panic(fatal{"cannot run the benchmarks: " + fmt.Sprintf(format, args...)})
}
func (h *harness) Skip(args ...any) { h.Skipf("%s", fmt.Sprint(args...)) }
func (h *harness) Failed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failed
}
func (h *harness) Name() string { return "bench" }

func (h *harness) TempDir() string {
	dir, err := os.MkdirTemp("", "limabar-bench-")
	if err != nil {
		h.Fatalf("temporary folder: %v", err)
	}
	h.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (h *harness) Setenv(key, value string) {
	old, had := os.LookupEnv(key)
	os.Setenv(key, value)
	h.Cleanup(func() {
		if had {
			os.Setenv(key, old)
		} else {
			os.Unsetenv(key)
		}
	})
}

// close runs the cleanups, newest first, as testing does.
func (h *harness) close() {
	h.mu.Lock()
	cs := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

// active are the harnesses in use, whose cleanups an interrupt runs: a
// systemd manager, bus or display left behind breaks the next run.
var active struct {
	sync.Mutex
	hs []*harness
}

// cleanUpOnSignal stops everything started so far and exits when the
// program is interrupted or terminated.
func cleanUpOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-ch
		log.Printf("%v: stopping what was started", sig)
		active.Lock()
		hs := active.hs
		active.Unlock()
		for i := len(hs) - 1; i >= 0; i-- {
			hs[i].close()
		}
		os.Exit(1)
	}()
}

// scope runs f with a harness whose processes and folders are gone when it
// returns, and turns a Fatal inside f into an error.
func scope(f func(h *harness)) (err error) {
	h := &harness{}
	active.Lock()
	active.hs = append(active.hs, h)
	active.Unlock()
	defer func() {
		active.Lock()
		active.hs = slices.DeleteFunc(active.hs, func(x *harness) bool { return x == h })
		active.Unlock()
		if r := recover(); r != nil {
			fe, ok := r.(fatal)
			if !ok {
				h.close()
				panic(r)
			}
			err = fmt.Errorf("%s", fe.msg)
		}
		h.close()
		if err == nil && h.Failed() {
			err = fmt.Errorf("errors during the run (see the log)")
		}
	}()
	f(h)
	return nil
}
