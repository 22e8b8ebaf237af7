package launchdmodel

import (
	"testing"
	"time"
)

// The contracts below pin what LimaBar's ExitTimeOut problem and the
// Lima 2.2 stand-in (scripts/e2e/fakes/limactl22) rely on, on a real Mac
// as on the model.
func init() {
	contracts = append(contracts,
		struct {
			name string
			body func(t *testing.T, l *launchdUnderTest)
		}{"a job that sets no ExitTimeOut prints exit timeout = 5", func(t *testing.T, l *launchdUnderTest) {
			job := l.job(false)
			job.ExitTimeOut = 0
			path := l.install(t, job)
			l.must(t, "bootstrap", l.domain, path)
			out := l.must(t, "print", l.target()).Stdout
			if got := field(out, "exit timeout"); got != "5" {
				t.Errorf("exit timeout = %q, want 5 (DefaultExitTimeOut):\n%s", got, out)
			}
		}},
		struct {
			name string
			body func(t *testing.T, l *launchdUnderTest)
		}{"Lima 2.2's start (bootout, enable, bootstrap) runs a job that is not loaded; its stop (bootout) unloads it", func(t *testing.T, l *launchdUnderTest) {
			path := l.install(t, l.job(true))
			// pkg/autostart/launchd/launchd.go, RequestStart: the bootout's
			// error (not loaded) is ignored.
			l.run("bootout", l.target())
			l.must(t, "enable", l.target())
			l.must(t, "bootstrap", l.domain, path)
			if st := field(l.must(t, "print", l.target()).Stdout, "state"); st != "running" {
				t.Fatalf("after Lima's start: state %q, want running", st)
			}
			// RequestStop: bootout of the job launchd started.
			if r := l.run("bootout", l.target()); r.Code != 0 && r.Code != 36 {
				t.Fatalf("bootout: exit %d: %s", r.Code, r.Stderr)
			}
			l.waitGone(t, l.exitDelay+l.slack+10*time.Second)
			if r := l.run("print", l.target()); r.Code != 113 {
				t.Errorf("print after Lima's stop: exit %d, want 113 (not loaded)", r.Code)
			}
		}},
	)
}
