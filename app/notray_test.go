package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/tray"
)

// graceWatch is a trayWatch whose grace period the test ends by hand.
type graceWatch struct {
	*trayWatch
	stderr  syncBuffer
	mu      sync.Mutex
	pending []func()
	sent    []string
}

func newGraceWatch() *graceWatch {
	g := &graceWatch{}
	g.trayWatch = &trayWatch{
		logger: slog.New(slog.DiscardHandler),
		stderr: &g.stderr,
		notify: func(_ context.Context, title, body string) (uint32, error) {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.sent = append(g.sent, title)
			return uint32(len(g.sent)), nil
		},
		after: func(d time.Duration, f func()) *time.Timer {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.pending = append(g.pending, f)
			return time.NewTimer(time.Hour)
		},
	}
	return g
}

// graceEnds runs what waited for the grace period.
func (g *graceWatch) graceEnds() {
	g.mu.Lock()
	fs := g.pending
	g.pending = nil
	g.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func (g *graceWatch) notifications() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

func TestTrayWatch(t *testing.T) {
	none, sni, xembed := tray.Hosts{}, tray.Hosts{StatusNotifier: true}, tray.Hosts{XEmbed: true}
	tests := []struct {
		name   string
		events []tray.Hosts
		want   int
	}{
		{"no tray: said once", []tray.Hosts{none}, 1},
		{"no tray, still none on later events: said once", []tray.Hosts{none, none, none}, 1},
		{"a StatusNotifier host from the start", []tray.Hosts{sni}, 0},
		{"an XEmbed tray from the start", []tray.Hosts{xembed}, 0},
		{"a tray appears within the grace period", []tray.Hosts{none, sni}, 0},
		{"the tray goes away for longer than the grace period", []tray.Hosts{sni, none}, 1},
		{"the panel restarts within the grace period", []tray.Hosts{sni, none, sni}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraceWatch()
			for _, h := range tt.events {
				g.changed(context.Background(), h)
			}
			g.graceEnds()
			g.graceEnds()
			if got := g.notifications(); got != tt.want {
				t.Errorf("%d notifications, want %d", got, tt.want)
			}
			if got := strings.Count(g.stderr.String(), "limabar: "+noTrayTitle); got != tt.want {
				t.Errorf("stderr says it %d times, want %d:\n%s", got, tt.want, g.stderr.String())
			}
		})
	}
}
