// Package lima finds the user's limactl and LIMA_HOME and talks to limactl:
// listing instances and starting or stopping them. LimaBar never reads Lima's
// internal state itself; limactl's own answer is the truth for status.
package lima

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/limabar/limabar/autostart/runner"
)

// Instance is one line of `limactl list --json`, reduced to what LimaBar
// shows.
type Instance struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Dir    string `json:"dir"`
	VMType string `json:"vmType,omitempty"`
	Arch   string `json:"arch,omitempty"`
	CPUs   int    `json:"cpus,omitempty"`
	Memory int64  `json:"memory,omitempty"`
	Disk   int64  `json:"disk,omitempty"`
	// Errors are the problems limactl reports for the instance (a broken
	// lima.yaml, for example), as text.
	Errors []string `json:"errors,omitempty"`
}

// Status values limactl reports.
const (
	StatusRunning = "Running"
	StatusStopped = "Stopped"
	StatusBroken  = "Broken"
)

// ErrNoLimactl means no limactl was found anywhere LimaBar looks.
var ErrNoLimactl = errors.New("limactl was not found: install Lima (https://lima-vm.io/docs/installation/) or set LIMACTL")

// Client runs limactl.
type Client struct {
	Limactl  string
	LimaHome string
	Runner   runner.Runner
	// Timeout bounds each limactl call, so a hanging limactl cannot hang
	// the menu. Zero means 30 seconds.
	Timeout time.Duration
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}

// List runs `limactl list --json` and parses its one-object-per-line output.
func (c *Client) List(ctx context.Context) ([]Instance, error) {
	if c.Limactl == "" {
		return nil, ErrNoLimactl
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	out, err := c.Runner.Run(ctx, c.Limactl, "list", "--json")
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("limactl list did not answer within %s", c.timeout())
		}
		return nil, fmt.Errorf("limactl list failed: %w", err)
	}
	return ParseList(out)
}

// rawInstance mirrors the fields of limactl's JSON that need conversion.
type rawInstance struct {
	Instance
	Errors []json.RawMessage `json:"errors"`
}

// ParseList parses `limactl list --json` output: one JSON object per line
// (Lima 1.x and 2.x). An empty output is no instances.
func ParseList(out []byte) ([]Instance, error) {
	var list []Instance
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var raw rawInstance
		if err := json.Unmarshal(text, &raw); err != nil {
			return nil, fmt.Errorf("limactl list printed something unexpected on line %d (%q): %w", line, abbreviate(string(text)), err)
		}
		if raw.Name == "" {
			return nil, fmt.Errorf("limactl list printed something unexpected on line %d: an object without a name", line)
		}
		inst := raw.Instance
		inst.Errors = nil
		for _, e := range raw.Errors {
			if s := errorText(e); s != "" {
				inst.Errors = append(inst.Errors, s)
			}
		}
		list = append(list, inst)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading limactl list output: %w", err)
	}
	return list, nil
}

// errorText turns one element of limactl's "errors" array into text. Go's
// error values marshal as {} so most carry nothing; strings are kept.
func errorText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Start starts an instance. limactl hands an instance registered for login or
// boot to launchd/systemd itself.
func (c *Client) Start(ctx context.Context, name string) error {
	return c.do(ctx, name, "start", name)
}

// Stop stops an instance.
func (c *Client) Stop(ctx context.Context, name string) error {
	return c.do(ctx, name, "stop", name)
}

// Restart stops and starts an instance.
func (c *Client) Restart(ctx context.Context, name string) error {
	if err := c.Stop(ctx, name); err != nil {
		return err
	}
	return c.Start(ctx, name)
}

func (c *Client) do(ctx context.Context, name string, args ...string) error {
	if c.Limactl == "" {
		return ErrNoLimactl
	}
	// Starting a VM takes minutes; only listing is bounded tightly.
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if _, err := c.Runner.Run(ctx, c.Limactl, args...); err != nil {
		return fmt.Errorf("failed to %s instance %q: %w", args[0], name, err)
	}
	return nil
}

// Version returns `limactl --version`'s version word, for diagnostics.
func (c *Client) Version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	out, err := c.Runner.Run(ctx, c.Limactl, "--version")
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return "", fmt.Errorf("limactl --version printed nothing")
	}
	return f[len(f)-1], nil
}
