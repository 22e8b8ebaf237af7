//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/scripts/testenv"
)

// forgetPurpose is the step of an enable plan that forgets the failures
// of an earlier registration (systemctl --user reset-failed).
const forgetPurpose = "forget the failures of an earlier registration"

// BenchmarkClickToCheckmark times what the engine runs between a click on
// Start at Login and its checkmark (Manager.ExecuteChange of the enable
// plan: write the unit, enable it, and what else the plan holds before
// Pending) against a real systemd user manager, with the plan as it is
// (its reset-failed in Pending, after the reload) and with the
// reset-failed moved before the checkmark, where it was, alternately, so
// that a load on the machine weighs on both alike. It reports the median
// of each and their difference, the cost of the step before the
// checkmark. Each enable is followed, untimed, by Pending and a disable.
//
//	CI=true go test -run '^$' -bench ClickToCheckmark -benchtime=50x ./scripts/e2e
func BenchmarkClickToCheckmark(b *testing.B) {
	sd := testenv.SystemdUser(b, testenv.SystemdOptions{})
	limaHome := filepath.Join(sd.Home, ".lima")
	testenv.LimaInstance(b, limaHome, "default")
	engine, err := autostart.New(autostart.Env{
		Platform:   autostart.Linux,
		Home:       sd.Home,
		ConfigHome: sd.ConfigHome,
		StateDir:   filepath.Join(sd.Home, ".local", "state", "limabar"),
		LingerDir:  filepath.Join(b.TempDir(), "linger"),
		UID:        sd.UID,
		User:       sd.User,
		Limactl:    "/bin/false",
		LimaHome:   limaHome,
		Tools:      autostart.LinuxTools,
		Runner:     runner.Exec{Env: sd.Env()},
	})
	if err != nil {
		b.Fatal(err)
	}
	inst := autostart.Instance{Name: "default", Dir: filepath.Join(limaHome, "default")}
	unit := filepath.Join(sd.ConfigHome, "systemd", "user", "lima-vm@default.service")
	ctx := context.Background()

	click := func(forget bool) time.Duration {
		p, err := engine.PlanEnable(ctx, inst, autostart.Login, autostart.EnableOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if n, m := forgetSteps(p.Steps), forgetSteps(p.After); n != 0 || m != 1 || !isForget(p.After[len(p.After)-1]) {
			b.Fatalf("the enable plan has %d reset-failed steps before Pending and %d in it, want 0 and 1:\n%v\n%v", n, m, p.Steps, p.After)
		}
		if forget {
			p.Steps = append(p.Steps, p.After[len(p.After)-1])
			p.After = p.After[:len(p.After)-1]
		}
		began := time.Now()
		res, err := engine.ExecuteChange(ctx, p)
		took := time.Since(began)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := os.Stat(unit); err != nil {
			b.Fatalf("after the enable: %v", err)
		}
		if res.Pending != nil {
			if err := res.Pending(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := engine.Disable(ctx, inst, autostart.Login); err != nil {
			b.Fatal(err)
		}
		return took
	}
	var with, without []time.Duration
	for i := 0; b.Loop(); i++ {
		// Which goes first alternates too.
		first := i%2 == 0
		a := click(first)
		w, o := pick(first, a, click(!first))
		with, without = append(with, w), append(without, o)
	}
	mw, mo := median(with), median(without)
	b.ReportMetric(ms(mw), "ms-reset-failed-before")
	b.ReportMetric(ms(mo), "ms-as-planned")
	b.ReportMetric(ms(mw-mo), "ms-saved")
}

// pick returns the times of the clicks with and without the step, given
// the two clicks of a turn in order and whether the first had it.
func pick(firstHadIt bool, a, b time.Duration) (with, without time.Duration) {
	if firstHadIt {
		return a, b
	}
	return b, a
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func isForget(s plan.Step) bool {
	c, ok := s.(plan.Command)
	return ok && c.Purpose == forgetPurpose
}

func forgetSteps(steps []plan.Step) int {
	n := 0
	for _, s := range steps {
		if isForget(s) {
			n++
		}
	}
	return n
}
