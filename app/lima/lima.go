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
	"strconv"
	"strings"
	"syscall"
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
	// lima.yaml, for example), as text. An instance with errors is Broken.
	Errors []string `json:"errors,omitempty"`
}

// Status values limactl reports.
const (
	StatusRunning = "Running"
	StatusStopped = "Stopped"
	StatusBroken  = "Broken"
)

// BrokenWithoutReason is the problem shown for an instance that limactl
// lists with errors but without saying what they are.
const BrokenWithoutReason = "lima.yaml has errors (limactl list gave no details)"

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
	out, stderr, err := runner.RunStderr(ctx, c.Runner, c.Limactl, "list", "--json")
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("limactl list did not answer within %s", c.timeout())
		}
		return nil, fmt.Errorf("limactl list failed: %w", err)
	}
	return ParseList(out, stderr)
}

// rawInstance mirrors the fields of limactl's JSON that need conversion.
type rawInstance struct {
	Instance
	Errors []json.RawMessage `json:"errors"`
}

// ParseList parses `limactl list --json` output: one JSON object per line
// (Lima 1.x and 2.x). An empty output is no instances. stderr is what
// limactl printed there, which holds the reasons of instances with errors.
//
// An instance with any errors is Broken, whatever its status says: Lima
// 1.2 lists an instance whose lima.yaml does not load with the status ""
// and errors that are only {} in JSON (Go error values marshal as empty
// objects); the reason is in its warning on stderr. When no reason can be
// found, the instance gets BrokenWithoutReason, so that the menu never
// offers to start it without saying why it cannot.
func ParseList(out, stderr []byte) ([]Instance, error) {
	var list []Instance
	var reasons map[string]string
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
		if len(raw.Errors) > 0 {
			if reasons == nil {
				reasons = instanceReasons(stderr)
			}
			inst.Status = StatusBroken
			inst.Errors = errorTexts(raw.Errors, reasons[inst.Name])
		}
		list = append(list, inst)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading limactl list output: %w", err)
	}
	return list, nil
}

// errorTexts turns limactl's "errors" array into text. Strings are
// limactl's own words and are kept as they are. Otherwise the reason from
// stderr is used, which holds all the instance's errors in one; failing
// that, what can be read from the JSON, or BrokenWithoutReason.
func errorTexts(raw []json.RawMessage, reason string) []string {
	var texts []string
	for _, e := range raw {
		if s := errorText(e); s != "" {
			texts = append(texts, s)
		}
	}
	switch {
	case len(texts) == len(raw):
		return texts
	case reason != "":
		return []string{reason}
	case len(texts) > 0:
		return texts
	}
	return []string{BrokenWithoutReason}
}

// errorText turns one element of limactl's "errors" array into text, or ""
// when it says nothing. Go's error values marshal as their exported
// fields: most as {}, a failed file operation as {"Op","Path","Err"} with
// the errno as a number, which is this system's (limactl runs here).
func errorText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var pe struct {
		Op   string
		Path string
		Err  *int
	}
	if json.Unmarshal(raw, &pe) == nil && pe.Op != "" && pe.Path != "" && pe.Err != nil {
		return pe.Op + " " + pe.Path + ": " + syscall.Errno(*pe.Err).Error()
	}
	return ""
}

// instanceReasons reads limactl's stderr for the reasons of instances with
// errors, by instance name. Lima logs them with logrus's text format, one
// line each (a pipe is not a terminal, so there are no colours):
//
//	time="…" level=warning msg="instance \"bad\" has errors" errors="[reason]"
//
// The errors field is the instance's []error as fmt prints it: in brackets,
// separated by spaces. Lines of any other form are ignored.
func instanceReasons(stderr []byte) map[string]string {
	reasons := map[string]string{}
	for _, line := range strings.Split(string(stderr), "\n") {
		f := logfmt(line)
		name, ok := erroredInstance(f["msg"])
		if !ok {
			continue
		}
		reason := strings.TrimSpace(f["errors"])
		if strings.HasPrefix(reason, "[") && strings.HasSuffix(reason, "]") {
			reason = strings.TrimSpace(reason[1 : len(reason)-1])
		}
		if reason != "" {
			reasons[name] = reason
		}
	}
	return reasons
}

// erroredInstance reads the instance name out of `instance "NAME" has
// errors`, which Lima formats with %q.
func erroredInstance(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "instance ")
	if !ok {
		return "", false
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil || rest[len(q):] != " has errors" {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil && name != ""
}

// logfmt splits a logrus text line into its key=value fields. A value is
// either a Go-quoted string or runs to the next space.
func logfmt(line string) map[string]string {
	fields := map[string]string{}
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimLeft(line, " ") {
		eq := strings.IndexAny(line, "= ")
		if eq <= 0 || line[eq] != '=' {
			// A word without a value: skip it.
			_, line, _ = strings.Cut(line, " ")
			continue
		}
		key, rest := line[:eq], line[eq+1:]
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return fields
			}
			if v, err := strconv.Unquote(q); err == nil {
				fields[key] = v
			}
			line = rest[len(q):]
			continue
		}
		v, after, _ := strings.Cut(rest, " ")
		fields[key] = v
		line = after
	}
	return fields
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Start starts an instance. Lima 2 hands an instance registered for login
// to the service manager itself (v2.2.0 pkg/instance/start.go,
// StartWithPaths, and pkg/autostart RequestStart): on a Mac `launchctl
// bootout`, `enable` and `bootstrap` of the agent in gui/UID, whose
// RunAtLoad starts the host agent; on Linux `systemctl --user start
// lima-vm@NAME`. A boot registration is not looked at (the Mac's Manager,
// pkg/autostart/managers_darwin.go, knows only the agent). Older limactl
// start the host agent themselves. Either way the job's health is read
// afterwards from the service manager.
func (c *Client) Start(ctx context.Context, name string) error {
	return c.do(ctx, name, "start", name)
}

// Stop stops an instance. Lima 2 stops a host agent the service manager
// started by the service manager (pkg/instance/stop.go, StopGracefully,
// and RequestStop): `launchctl bootout` of the agent, which unloads it,
// or `systemctl --user stop`; any other by SIGINT. An agent booted out is
// stopped, with its registration still on (state.LaunchdHealth).
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

// LogFields splits one line of logrus's text format (what limactl and
// colima log) into its key=value fields.
func LogFields(line string) map[string]string { return logfmt(line) }
