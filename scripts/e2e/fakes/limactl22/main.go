// Command limactl22 stands in for Lima 2.2's limactl in macOS-mode tests:
// it does to a registered login agent what `limactl start` and `limactl
// stop` of Lima v2.2.0 do, by running launchctl (the model-backed fake
// first on PATH) with the argv Lima runs, so that LimaBar's Start, Stop and
// health meet the launchd that Lima really leaves behind.
//
// What Lima v2.2.0 does, and where:
//
//   - Registered means the agent plist is there:
//     $HOME/Library/LaunchAgents/io.lima-vm.autostart.NAME.plist
//     (pkg/autostart/managers.go, TemplateFileBasedManager.IsRegistered;
//     pkg/autostart/launchd/launchd.go, GetPlistPath). The boot daemon
//     does not count: Manager in pkg/autostart/managers_darwin.go knows
//     only the agent.
//   - `limactl start NAME` of a stopped instance (cmd/limactl/start.go,
//     startAction; pkg/instance/start.go, StartWithPaths) hands a
//     registered instance to launchd (pkg/autostart/launchd/launchd.go,
//     RequestStart): `launchctl bootout gui/UID/LABEL`, its output and
//     error ignored ("instance may be stopped without unloading the
//     plist file"); `launchctl enable gui/UID/LABEL`, error ignored ("If
//     disabled, `launchctl bootstrap` will fail"); `launchctl bootstrap
//     gui/UID PLIST`, whose failure fails the start ("failed to start the
//     instance … via launchctl"). The job then runs `limactl start NAME
//     --foreground`, the host agent, which writes ha.pid; limactl waits
//     for it (waitHostAgentStart). An instance that is not registered gets
//     a host agent of its own in the background. An instance already
//     running is left alone ("is already running", exit 0).
//   - The host agent reports whether launchd started it: its
//     AutoStartedIdentifier is $XPC_SERVICE_NAME, the job's label
//     (pkg/autostart/launchd/launchd.go, AutoStartedServiceName;
//     pkg/hostagent/hostagent.go, Info), which `limactl stop` reads over
//     ha.sock (pkg/store/instance.go). This stand-in keeps it in the
//     instance folder as "autostarted" (its name is the stand-in's own).
//   - `limactl stop NAME` (pkg/instance/stop.go, StopGracefully) of a
//     running instance whose host agent launchd started runs `launchctl
//     bootout gui/UID/LABEL` (RequestStop; its failure fails the stop);
//     else it sends SIGINT to the host agent. Either way it waits for the
//     host agent to exit, which removes ha.sock and ha.pid. A stopped
//     instance: "expected status `Running`, got `Stopped`", exit 1.
//
// `list --json` lists the instance folders of LIMA_HOME as limactl does:
// Running with an ha.pid, Stopped otherwise. Every call is appended to
// $STUB_LOG, as the shell stubs do.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if log := os.Getenv("STUB_LOG"); log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o666); err == nil {
			f.WriteString(strings.Join(os.Args[1:], " ") + "\n")
			f.Close()
		}
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "level=fatal msg=%q\n", err.Error())
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: limactl list|start|stop")
	}
	switch {
	case args[0] == "--version":
		fmt.Println("limactl version 2.2.0")
		return nil
	case args[0] == "list":
		return list()
	case args[0] == "start" && len(args) == 2:
		return start(args[1])
	case args[0] == "stop" && len(args) == 2:
		return stop(args[1])
	}
	return fmt.Errorf("limactl22 stand-in: unsupported command %q", strings.Join(args, " "))
}

func limaHome() string {
	if h := os.Getenv("LIMA_HOME"); h != "" {
		return h
	}
	return filepath.Join(os.Getenv("HOME"), ".lima")
}

func list() error {
	entries, err := os.ReadDir(limaHome())
	if err != nil {
		return nil
	}
	enc := json.NewEncoder(os.Stdout)
	for _, e := range entries {
		dir := filepath.Join(limaHome(), e.Name())
		if _, err := os.Stat(filepath.Join(dir, "lima.yaml")); err != nil {
			continue
		}
		status := "Stopped"
		if exists(filepath.Join(dir, "ha.pid")) {
			status = "Running"
		}
		enc.Encode(map[string]any{"name": e.Name(), "status": status, "dir": dir,
			"vmType": "qemu", "arch": "x86_64", "cpus": 4, "memory": 4294967296})
	}
	return nil
}

func label(name string) string { return "io.lima-vm.autostart." + name }

func domain() string { return "gui/" + strconv.Itoa(os.Getuid()) }

func target(name string) string { return domain() + "/" + label(name) }

func plistPath(name string) string {
	return filepath.Join(os.Getenv("HOME"), "Library", "LaunchAgents", label(name)+".plist")
}

func instanceDir(name string) (string, error) {
	dir := filepath.Join(limaHome(), name)
	if !exists(filepath.Join(dir, "lima.yaml")) {
		return "", fmt.Errorf("instance %q does not exist, run `limactl create %s` to create a new instance", name, name)
	}
	return dir, nil
}

// launchctl runs the launchctl first on PATH, as Lima's exec.Command
// does, with its output shown (launchctl) or dropped (quiet).
func launchctl(quiet bool, args ...string) error {
	cmd := exec.Command("launchctl", args...)
	if !quiet {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	return cmd.Run()
}

func start(name string) error {
	dir, err := instanceDir(name)
	if err != nil {
		return err
	}
	if exists(filepath.Join(dir, "ha.pid")) {
		fmt.Fprintf(os.Stderr, "level=info msg=\"The instance `%s` is already running. Run `limactl shell %s` to open the shell.\"\n", name, name)
		return nil
	}
	autostarted := ""
	if exists(plistPath(name)) {
		_ = launchctl(true, "bootout", target(name))
		_ = launchctl(false, "enable", target(name))
		if err := launchctl(false, "bootstrap", domain(), plistPath(name)); err != nil {
			return fmt.Errorf("failed to request start via autostart manager: failed to start the instance `%s` via launchctl: %w", name, err)
		}
		autostarted = label(name)
	}
	// The host agent comes up: launchd's job, or limactl's own child.
	if err := os.WriteFile(filepath.Join(dir, "autostarted"), []byte(autostarted), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ha.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

func stop(name string) error {
	dir, err := instanceDir(name)
	if err != nil {
		return err
	}
	if !exists(filepath.Join(dir, "ha.pid")) {
		return errors.New("expected status `Running`, got `Stopped` (maybe use `limactl stop -f`?)")
	}
	id, _ := os.ReadFile(filepath.Join(dir, "autostarted"))
	if string(id) == label(name) {
		fmt.Fprintf(os.Stderr, "level=info msg=\"Stopping the instance `%s` started by launchd\"\n", name)
		if err := launchctl(false, "bootout", target(name)); err != nil {
			return fmt.Errorf("failed to request stop via autostart manager: failed to stop the instance `%s` via launchctl: %w", name, err)
		}
	}
	// The host agent has exited (launchd's SIGTERM, or limactl's SIGINT).
	for _, f := range []string{"ha.sock", "autostarted", "ha.pid"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
