package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
)

const (
	linux  = autostart.Linux
	darwin = autostart.Darwin
	login  = autostart.Login
	boot   = autostart.Boot
	none   = autostart.Condition("")
)

// TestAccountRule states who may do what, on each platform, as a user and
// as root, with the exact line each refusal prints.
func TestAccountRule(t *testing.T) {
	const linuxWhy = "on Linux an instance starts as the user whose systemd registers it: "
	tests := []struct {
		platform autostart.Platform
		root     bool
		user     string
		cond     autostart.Condition
		want     string // "" allowed
	}{
		{linux, false, "", none, ""},
		{linux, false, "", login, ""},
		{linux, false, "", boot, ""},
		{linux, false, "alice", boot, ""},
		{linux, false, "alice", login, "--user goes with --condition=boot"},
		{linux, false, "nobody", boot, linuxWhy + "run limabar as nobody, not as alice"},
		{linux, false, "root", boot, linuxWhy + "run limabar as the user who owns the instances, not as alice"},
		{linux, true, "", none, linuxWhy + "run limabar as the user who owns the instances, not as root"},
		{linux, true, "", login, linuxWhy + "run limabar as the user who owns the instances, not as root"},
		{linux, true, "", boot, linuxWhy + "run limabar as the user who owns the instances, not as root"},
		{linux, true, "nobody", boot, linuxWhy + "run limabar as nobody, not as root"},
		{linux, true, "nobody", login, linuxWhy + "run limabar as nobody, not as root"},

		{darwin, false, "", none, ""},
		{darwin, false, "", login, ""},
		{darwin, false, "", boot, ""},
		{darwin, false, "alice", boot, ""},
		{darwin, false, "alice", login, "--user goes with --condition=boot"},
		{darwin, false, "nobody", boot, "on macOS only root can make an instance start at boot as another account (nobody): run limabar with sudo"},
		{darwin, false, "root", boot, "a Lima instance never runs as root: name an ordinary account with --user"},
		{darwin, true, "", none, ""},
		{darwin, true, "", login, "on macOS a login item belongs to the user who logs in: run limabar as that user, without sudo"},
		{darwin, true, "nobody", login, "--user goes with --condition=boot"},
		{darwin, true, "", boot, "on macOS, as root, name with --user the account the instance belongs to and runs as: a VM never runs as root"},
		{darwin, true, "nobody", boot, ""},
		{darwin, true, "root", boot, "a Lima instance never runs as root: name an ordinary account with --user"},
	}
	for _, tt := range tests {
		who := "alice"
		if tt.root {
			who = "root"
		}
		t.Run(fmt.Sprintf("%s as %s --user=%q %q", tt.platform, who, tt.user, tt.cond), func(t *testing.T) {
			got := ""
			if err := AccountRule(Who{Platform: tt.platform, Root: tt.root, Self: who}, tt.user, tt.cond); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAccountAdviceLeadsSomewhere: whatever the rule refuses, doing what
// its message says ("run limabar with sudo", "run limabar as X", "without
// sudo", "--user goes with --condition=boot", "name … with --user") leads,
// in a step or two, to what is allowed, and never back: no advice says to
// run as root after another said not to, or the reverse.
func TestAccountAdviceLeadsSomewhere(t *testing.T) {
	type state struct {
		w    Who
		user string
		cond autostart.Condition
	}
	for _, p := range []autostart.Platform{linux, darwin} {
		for _, root := range []bool{false, true} {
			for _, user := range []string{"", "alice", "nobody", "root"} {
				for _, cond := range []autostart.Condition{none, login, boot} {
					if user != "" && cond == none {
						continue // only enable takes --user
					}
					s := state{Who{Platform: p, Root: root, Self: "alice"}, user, cond}
					if root {
						s.w.Self = "root"
					}
					start, flips, seen := s, 0, map[state]bool{}
					var said []string
					for {
						err := AccountRule(s.w, s.user, s.cond)
						if err == nil {
							break
						}
						msg := err.Error()
						said = append(said, msg)
						if seen[s] || len(said) > 3 {
							t.Errorf("%+v: the advice goes round: %q", start, said)
							break
						}
						seen[s] = true
						next := s
						switch {
						case strings.HasSuffix(msg, "run limabar with sudo"):
							next.w.Root, next.w.Self = true, "root"
						case strings.Contains(msg, "run limabar as the user who owns the instances"),
							strings.Contains(msg, "run limabar as that user, without sudo"):
							next.w.Root, next.w.Self = false, "alice"
						case strings.Contains(msg, "run limabar as "):
							as := msg[strings.Index(msg, "run limabar as ")+len("run limabar as "):]
							as, _, _ = strings.Cut(as, ",")
							next.w.Root, next.w.Self = false, as
						case strings.HasPrefix(msg, "--user goes with --condition=boot"):
							next.cond = boot
						case strings.Contains(msg, "with --user"):
							next.user = "nobody"
						default:
							t.Errorf("%+v: %q gives no advice this test knows", s, msg)
						}
						if next.w.Root != s.w.Root {
							flips++
						}
						if flips > 1 {
							t.Errorf("%+v: the advice says to run as root and then not, or the reverse: %q", start, said)
							break
						}
						if next == s {
							break
						}
						s = next
					}
				}
			}
		}
	}
}

// TestEnableAsAnotherUserIsOneLine: the case through the command
// line, as a user and as root on Linux: the same advice both ways, before
// anything touches the machine.
func TestEnableAsAnotherUserIsOneLine(t *testing.T) {
	const want = "limabar: on Linux an instance starts as the user whose systemd registers it: run limabar as nobody, not as "
	for _, w := range []Who{{Platform: linux, Self: "alice"}, {Platform: linux, Root: true, Self: "root"}} {
		code, stdout, stderr := runNoMachine(t, w, "enable", "--condition=boot", "--user", "nobody", "dev")
		if code != 2 || stdout != "" || stderr != want+w.Self+"\n" {
			t.Errorf("as %s: exit %d, stdout %q, stderr %q; want 2 and %q", w.Self, code, stdout, stderr, want+w.Self+"\n")
		}
	}
}
