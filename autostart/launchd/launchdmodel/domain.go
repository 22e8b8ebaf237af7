package launchdmodel

import (
	"fmt"
	"strconv"
	"strings"
)

// Who may change which domain, and which domains exist, as launchd decides
// before it looks at a job:
//
//   - Privilege: "Anyone may read or query the system domain, but root
//     privileges are required to make modifications" (launchctl(1),
//     system/[service-name]); a user or gui domain may be changed by the
//     user who owns it and by root (launchctl(1), user/<uid> and
//     gui/<uid>). launchd refuses any other caller with error 1 and logs
//     "Caller not allowed to perform action: launchctl.N, action =
//     unbootstrap, code = 1: Operation not permitted, uid = …"
//     (keybase/client#1543; "action = start service" for a start,
//     nlf/dlite#75, where launchctl exited 1). launchctl prints the error
//     in each subcommand's own form: "Boot-out failed: 1: Operation not
//     permitted" (Alkenso/sLaunchctl#1), `Could not kickstart service
//     "org.nixos.nix-daemon": 1: Operation not permitted`, exit 1
//     (DeterminateSystems/nix-installer#1344, NixOS/nix#12721).
//     "Bootstrap failed: 1: …" and "Could not enable service: 1: …" follow
//     the forms those subcommands print for other errors (below); no
//     capture of them from a non-root caller was found.
//   - Sessions: gui/UID exists only while UID is logged in at the desktop
//     (Aqua). Over SSH to a Mac nobody is logged in to (a headless Mac
//     mini), every call on it fails with 125 "Domain does not support
//     specified action": enable prints "Could not enable service: 125:
//     Domain does not support specified action" and exits 125
//     (buildkite/docs#1770, Homebrew/homebrew-core#115306), bootstrap
//     "Bootstrap failed: 125: Domain does not support specified action"
//     (nix-community/home-manager#4413, Mic92/sops-nix#966), kickstart
//     `Could not kickstart service "ai.hermes.gateway": 125: Domain does
//     not support specified action` (NousResearch/hermes-agent#30586,
//     #30352), and print of the domain answers 125 with "Domain does not
//     support specified action" (NousResearch/hermes-agent#30586,
//     duh17/oppi#38). user/UID exists with any login, SSH included ("A
//     user domain may exist independently of a logged-in user",
//     launchctl(1)); Homebrew's `brew services` falls back to it over SSH
//     (Library/Homebrew/services/system.rb, domain_target). Model.NoDesktop
//     makes the model such a Mac.
//
// Model.Launchctl checks neither: it answers as root with a desktop login
// (whatever NoDesktop says), as the unit tests
// of LimaBar's engine expect; LaunchctlAs answers a caller.

// errNotPermitted and errNoDomain are the errors launchd answers a caller
// it refuses and a call on a domain that does not exist.
const (
	errNotPermitted = 1
	errNoDomain     = 125
)

var refusalText = map[int]string{
	errNotPermitted: "Operation not permitted",
	errNoDomain:     "Domain does not support specified action",
}

// Call is one launchctl call as launchd saw it: the caller's uid and the
// arguments.
type Call struct {
	UID  int      `json:"uid"`
	Args []string `json:"args"`
}

// LaunchctlAs runs one `launchctl ARGS…` for a caller with uid: refused
// when the caller may not change the domain, or the domain does not exist;
// otherwise as Launchctl. Every call but those that only read is kept in
// Calls, refused or not.
func (m *Model) LaunchctlAs(uid int, args ...string) Result {
	m.mu.Lock()
	if len(args) > 0 && !reads(args[0]) {
		m.Calls = append(m.Calls, Call{UID: uid, Args: append([]string(nil), args...)})
	}
	res, refused := m.refuse(uid, args)
	m.mu.Unlock()
	if refused {
		return res
	}
	return m.Launchctl(args...)
}

// CallsOf returns the calls of subcommand sub, in order.
func (m *Model) CallsOf(sub string) []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Call
	for _, c := range m.Calls {
		if len(c.Args) > 0 && c.Args[0] == sub {
			out = append(out, c)
		}
	}
	return out
}

// refuse answers the call as launchd does when uid may not make it or its
// domain does not exist; refused is false when launchd would go on.
func (m *Model) refuse(uid int, args []string) (res Result, refused bool) {
	if len(args) < 2 {
		return Result{}, false
	}
	sub := args[0]
	domain, label, ok := callTarget(sub, args[1:])
	if !ok {
		return Result{}, false
	}
	kind, owner, _ := strings.Cut(domain, "/")
	switch {
	case kind == "gui" && m.NoDesktop:
		return refusal(sub, label, errNoDomain), true
	case reads(sub):
		return Result{}, false
	case kind == "system" && uid != 0, (kind == "gui" || kind == "user") && uid != 0 && owner != strconv.Itoa(uid):
		return refusal(sub, label, errNotPermitted), true
	}
	return Result{}, false
}

// reads says whether a subcommand only reads its domain.
func reads(sub string) bool { return sub == "print" || sub == "print-disabled" }

// callTarget finds the domain (and label, for a service target) a call
// names; ok is false for a call the model does not know, which Launchctl
// then refuses as launchctl does.
func callTarget(sub string, rest []string) (domain, label string, ok bool) {
	var target string
	switch sub {
	case "bootstrap", "bootout", "enable", "disable", "print", "print-disabled":
		target = rest[0]
	case "kickstart":
		for _, a := range rest {
			if !strings.HasPrefix(a, "-") {
				target = a
			}
		}
	default:
		return "", "", false
	}
	domain, label, err := splitTarget(target)
	return domain, label, err == nil
}

// refusal is how each subcommand prints a refused call.
func refusal(sub, label string, code int) Result {
	text := refusalText[code]
	switch sub {
	case "bootstrap":
		return fail(code, "Bootstrap failed: %d: %s", code, text)
	case "bootout":
		return fail(code, "Boot-out failed: %d: %s", code, text)
	case "enable", "disable":
		return fail(code, "Could not %s service: %d: %s", sub, code, text)
	case "kickstart":
		return fail(code, "Could not kickstart service %q: %d: %s", label, code, text)
	}
	return fail(code, "%s", text)
}

// String names a call for test failures.
func (c Call) String() string {
	return fmt.Sprintf("uid %d: launchctl %s", c.UID, strings.Join(c.Args, " "))
}
