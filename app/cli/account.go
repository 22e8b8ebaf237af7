package cli

import (
	"fmt"

	"github.com/limabar/limabar/autostart"
)

// Who is who runs limabar: the platform, whether as root, and the account.
type Who struct {
	Platform autostart.Platform
	Root     bool
	// Self is the account running limabar.
	Self string
}

// linuxRule is why, on Linux, limabar runs as the instance's owner: its
// units and its lingering live in that user's systemd (as with
// `limactl start-at-login`), which root writing into the user's home would
// leave root-owned, and a unit of a user's manager runs as that user.
const linuxRule = "on Linux an instance starts as the user whose systemd registers it"

// AccountRule says whether w may run a command that enables cond for the
// account user (--user; "" for the one running), or, with cond "", a
// command that enables nothing (list, disable, doctor, the app). It is the
// one statement of the rules about accounts, and every message about who
// should run limabar comes from it, so that following one never leads to
// another that says the opposite:
//
// Linux: limabar runs as the user who owns the instances, never as root,
// for every command; --user may only name that same user, with
// --condition=boot (lingering starts the user's manager at boot).
//
// macOS: a login item is a LaunchAgent of the user who logs in, so root
// enables none. A boot start is a LaunchDaemon that runs as --user, by
// default the one running limabar, never root (a VM never runs as root):
// root must name the account, and only root may name another one (Lima's
// `limactl autostart enable --condition=boot --user` asks sudo the same
// way).
func AccountRule(w Who, user string, cond autostart.Condition) error {
	if w.Platform == autostart.Linux {
		if w.Root || (user != "" && user != w.Self) {
			who := user
			if who == "" || who == "root" {
				who = "the user who owns the instances"
			}
			now := w.Self
			if w.Root {
				now = "root"
			}
			return usageError{fmt.Sprintf("%s: run limabar as %s, not as %s", linuxRule, who, now)}
		}
		if user != "" && cond != autostart.Boot {
			return usageError{"--user goes with --condition=boot"}
		}
		return nil
	}
	if w.Platform != autostart.Darwin || cond == "" {
		return nil
	}
	switch {
	case user == "root":
		return usageError{"a Lima instance never runs as root: name an ordinary account with --user"}
	case cond == autostart.Login && user != "":
		return usageError{"--user goes with --condition=boot"}
	case cond == autostart.Login && w.Root:
		return usageError{"on macOS a login item belongs to the user who logs in: run limabar as that user, without sudo"}
	case w.Root && user == "":
		return usageError{"on macOS, as root, name with --user the account the instance belongs to and runs as: a VM never runs as root"}
	case !w.Root && user != "" && user != w.Self:
		return usageError{fmt.Sprintf("on macOS only root can make an instance start at boot as another account (%s): run limabar with sudo", user)}
	}
	return nil
}
