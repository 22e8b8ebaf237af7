package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/jobenv"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
	"github.com/limabar/limabar/scripts/testenv"
)

// limaUser runs limactl, which refuses to run as root.
const limaUser = "nobody"

// asUser runs every command as limaUser with a fixed environment: the
// refresh and `limactl list` alone go through the same runner, so that
// what they share (setpriv, exec) cancels out of the ratio.
type asUser struct {
	h   *harness
	env []string
}

var _ runner.StderrRunner = asUser{}

func (a asUser) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	stdout, _, err := a.RunStderr(ctx, name, args...)
	return stdout, err
}

// RunStderr hands back limactl's warnings too, as the app's runner does: a
// refresh reads them for broken instances.
func (a asUser) RunStderr(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	cmd := testenv.CommandAs(a.h, limaUser, a.env, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), stderr.Bytes(), &runner.Error{Argv: cmd.Args, ExitCode: cmd.ProcessState.ExitCode(), Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), stderr.Bytes(), nil
}

// limaWorld is LIMA_HOME with n instances that Lima v1.2.1 lists as
// Stopped, every other one registered for login as LimaBar writes it.
type limaWorld struct {
	live    *state.Live
	run     asUser
	limactl string
}

func newLimaWorld(h *harness, limactl string, n int) *limaWorld {
	home := testenv.UserDir(h, limaUser)
	limaHome := filepath.Join(home, ".lima")
	configHome := filepath.Join(home, ".config")
	unitDir := filepath.Join(configHome, "systemd", "user")
	if err := os.MkdirAll(filepath.Join(unitDir, "default.target.wants"), 0o755); err != nil {
		h.Fatal(err)
	}
	unit, err := systemd.Unit(systemd.Params{Limactl: limactl, PATH: jobenv.PATH(limactl)})
	if err != nil {
		h.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("vm-%03d", i)
		testenv.LimaInstance(h, limaHome, name)
		if i%2 == 0 {
			path := filepath.Join(unitDir, systemd.UnitName(name))
			if err := os.WriteFile(path, unit, 0o644); err != nil {
				h.Fatal(err)
			}
			if err := os.Symlink(path, filepath.Join(unitDir, "default.target.wants", systemd.UnitName(name))); err != nil {
				h.Fatal(err)
			}
		}
	}
	run := asUser{h: h, env: []string{"HOME=" + home, "USER=" + limaUser, "LIMA_HOME=" + limaHome}}
	engine, err := autostart.New(autostart.Env{
		Platform:   autostart.Linux,
		Home:       home,
		ConfigHome: configHome,
		StateDir:   filepath.Join(home, ".local", "state", "limabar"),
		LingerDir:  filepath.Join(h.TempDir(), "linger"),
		User:       limaUser,
		Limactl:    limactl,
		LimaHome:   limaHome,
		Tools:      autostart.LinuxTools,
		Runner:     run,
	})
	if err != nil {
		h.Fatal(err)
	}
	live := &state.Live{
		Platform: autostart.Linux,
		Lima:     &lima.Client{Limactl: limactl, LimaHome: limaHome, Runner: run},
		Engine:   engine,
	}
	return &limaWorld{live: live, run: run, limactl: limactl}
}

// refreshFigures times one refresh (limactl list plus every registration
// read) against `limactl list --json` alone, for each size, alternating the
// two; and the CPU one `limactl list --json` costs, for the polling design.
func refreshFigures(h *harness, cfg config, r *report) {
	limactl := testenv.Limactl(h)
	r.limactlVersion = limactlVersion(h, limactl)
	ctx := context.Background()
	for _, n := range cfg.sizes {
		w := newLimaWorld(h, limactl, n)
		runs := cfg.refreshRuns
		if n >= 500 && runs > 5 {
			runs = 5
		}
		var alone, refresh, status sample
		insts := make([]autostart.Instance, n)
		for i := range insts {
			insts[i] = autostart.Instance{Name: fmt.Sprintf("vm-%03d", i)}
		}
		for i := -1; i < runs; i++ { // run -1 warms the caches
			began := time.Now()
			if _, err := w.run.Run(ctx, limactl, "list", "--json"); err != nil {
				h.Fatalf("limactl list: %v", err)
			}
			a := time.Since(began)
			began = time.Now()
			s := w.live.Snapshot(ctx)
			b := time.Since(began)
			if s.ListErr != "" || len(s.Instances) != n {
				h.Fatalf("refresh of %d instances: %d instances, error %q", n, len(s.Instances), s.ListErr)
			}
			began = time.Now()
			if _, err := w.live.Engine.StatusAll(ctx, insts); err != nil {
				h.Fatal(err)
			}
			c := time.Since(began)
			if i >= 0 {
				alone, refresh, status = append(alone, a), append(refresh, b), append(status, c)
			}
		}
		r.refresh = append(r.refresh, refreshFigure{n: n, alone: alone, refresh: refresh, status: status})
		log.Printf("refresh of %d: limactl alone %s, refresh %s (registrations alone %s)", n, alone.median(), refresh.median(), status.median())
	}

	// The polling design: CPU of one `limactl list --json` with the tray's
	// number of instances.
	w := newLimaWorld(h, limactl, trayInstances)
	runs := 20
	if cfg.quick {
		runs = 5
	}
	for range runs {
		cmd := testenv.CommandAs(h, limaUser, w.run.env, limactl, "list", "--json")
		if err := cmd.Run(); err != nil {
			h.Fatalf("limactl list: %v", err)
		}
		r.pollCPU = append(r.pollCPU, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	log.Printf("one limactl list: %s CPU", r.pollCPU.median())
}

func limactlVersion(h *harness, limactl string) string {
	out, err := asUser{h: h, env: []string{"HOME=/tmp"}}.Run(context.Background(), limactl, "--version")
	if err != nil {
		return "unknown"
	}
	return string(bytes.TrimSpace(out))
}

// refreshFigure is one size of the refresh comparison.
type refreshFigure struct {
	n              int
	alone, refresh sample
	// status is reading the registrations alone, which is what the
	// refresh adds to limactl.
	status sample
}
