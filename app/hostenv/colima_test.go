package hostenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/limabar/limabar/autostart"
)

// TestColimaHome follows colima's own order (v0.10.1 config/files.go):
// an existing COLIMA_HOME, an existing ~/.colima, then XDG_CONFIG_HOME's or
// the platform's default.
func TestColimaHome(t *testing.T) {
	for _, c := range []struct {
		name     string
		platform autostart.Platform
		mkdirs   []string
		env      map[string]string
		want     string
		inUse    bool
	}{
		{"COLIMA_HOME that exists", autostart.Linux, []string{"vm/colima/_lima", "home/.colima"},
			map[string]string{"COLIMA_HOME": "{tmp}/vm/colima"}, "{tmp}/vm/colima", true},
		{"COLIMA_HOME missing: ~/.colima", autostart.Darwin, []string{"home/.colima/_lima"},
			map[string]string{"COLIMA_HOME": "{tmp}/gone"}, "{tmp}/home/.colima", true},
		{"~/.colima without _lima", autostart.Linux, []string{"home/.colima"}, nil, "{tmp}/home/.colima", false},
		{"Linux default", autostart.Linux, nil, nil, "{tmp}/home/.config/colima", false},
		{"XDG_CONFIG_HOME", autostart.Linux, []string{"xdg/colima/_lima"},
			map[string]string{"XDG_CONFIG_HOME": "{tmp}/xdg"}, "{tmp}/xdg/colima", true},
		{"Mac default", autostart.Darwin, nil, nil, "{tmp}/home/.colima", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			for _, d := range c.mkdirs {
				if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			fill := func(s string) string {
				if len(s) >= 5 && s[:5] == "{tmp}" {
					return tmp + s[5:]
				}
				return s
			}
			env := map[string]string{"HOME": filepath.Join(tmp, "home")}
			for k, v := range c.env {
				env[k] = fill(v)
			}
			h, err := detect(t, c.platform, env, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := fill(c.want); h.ColimaHome != want {
				t.Errorf("ColimaHome = %q, want %q", h.ColimaHome, want)
			}
			wantInUse := ""
			if c.inUse {
				wantInUse = fill(c.want)
			}
			if got := h.ColimaHomeInUse(); got != wantInUse {
				t.Errorf("ColimaHomeInUse = %q, want %q", got, wantInUse)
			}
			env2, err := h.Env(nil)
			if err != nil || env2.ColimaHome != wantInUse {
				t.Errorf("Env().ColimaHome = %q, %v; want %q", env2.ColimaHome, err, wantInUse)
			}
		})
	}
}

func TestFindColima(t *testing.T) {
	tmp := t.TempDir()
	fromPath := exe(t, filepath.Join(tmp, "path", "colima"))
	fromShell := exe(t, filepath.Join(tmp, "brew", "bin", "colima"))
	fromSettings := exe(t, filepath.Join(tmp, "settings", "colima"))
	home := filepath.Join(tmp, "home")
	look := func(p string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == "colima" && p != "" {
				return p, nil
			}
			return "", errors.New("not found")
		}
	}
	probe := func(lookPath func(string) (string, error)) *Host {
		t.Helper()
		h, err := Probe(Options{
			Platform: autostart.Darwin,
			Getenv:   func(k string) string { return map[string]string{"HOME": home}[k] },
			LookPath: lookPath,
			Geteuid:  func() int { return 501 },
			LoginShell: func(context.Context, string) (string, string, error) {
				return "", "", errors.New("no login shell in this test")
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := probe(look(fromPath)); h.Colima != fromPath || h.ColimaErr != nil {
		t.Errorf("PATH: got %q, %v", h.Colima, h.ColimaErr)
	}
	h := probe(look(""))
	if h.Colima != "" || h.ColimaErr == nil {
		t.Errorf("nowhere: got %q, %v; want none and why", h.Colima, h.ColimaErr)
	}
	// The login shell's PATH, as the real query answers it.
	h.shellDone, h.shellColima = true, fromShell
	h.findColima(h.opts, h.settings)
	if h.Colima != fromShell {
		t.Errorf("login shell: got %q, want %q", h.Colima, fromShell)
	}
	h.findColima(h.opts, Settings{Colima: fromSettings})
	if h.Colima != fromSettings {
		t.Errorf("settings: got %q, want %q", h.Colima, fromSettings)
	}
	h.findColima(h.opts, Settings{Colima: filepath.Join(tmp, "nothing")})
	if h.Colima != "" || h.ColimaErr == nil {
		t.Errorf("settings naming nothing: got %q, %v; want none and why", h.Colima, h.ColimaErr)
	}
}
