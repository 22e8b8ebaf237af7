package autostart

import (
	"context"
	"fmt"

	"github.com/limabar/limabar/autostart/launchd"
)

// Start at login on a Mac nobody is logged in to at the desktop (reached
// over SSH, a headless Mac mini).
//
// launchd has a gui/UID domain only while UID is logged in at the desktop;
// without one, every launchctl call on it fails with 125 "Domain does not
// support specified action" (buildkite/docs#1770: `launchctl enable
// gui/501/…` exited with 125; nix-community/home-manager#4413;
// NousResearch/hermes-agent#30586; see launchdmodel). The login agent is
// then registered for the next desktop login and nothing else: the plist
// is written to ~/Library/LaunchAgents, which launchd reads when the user
// logs in at the desktop and loads into gui/UID, and launchctl is not
// asked. It is not loaded into user/UID, which exists over SSH and where
// Homebrew's `brew services` goes instead (Library/Homebrew/services/
// system.rb, domain_target: "running over SSH without /dev/console
// ownership, using user/* instead of gui/* domain!"), because:
//   - `brew services start` starts a service now; the login switch starts
//     nothing now, it registers for the next login;
//   - an agent loaded into user/UID at the next desktop login is loaded
//     into gui/UID as well, from the same file: the VM would be started
//     twice (duh17/oppi#38 keeps a 125 after a working probe fail-closed
//     "to avoid starting duplicate services");
//   - launchd does not load ~/Library/LaunchAgents into user/UID again
//     after a reboot (nix-community/home-manager#9656, reverted to gui by
//     #9660), and Lima's and LimaBar's agents set no
//     LimitLoadToSessionType Background, so user/UID refuses them
//     ("Service cannot load in requested session", duh17/oppi#31).
// gel-cli likewise asks `launchctl print-disabled gui/UID` first and does
// without launchd when that fails (src/portable/macos.rs, detect_launchd).
//
// The host tells that nobody is logged in at the desktop as Homebrew does
// (the console belongs to someone else, Env.NoDesktop); launchd's own
// answer decides, so that a user logged in at the desktop behind another
// (fast user switching) is not taken for one without: noGUIDomain asks
// `launchctl print-disabled gui/UID`, and only its 125 means "no domain".

// noGUIDomain says whether launchd has no gui/UID domain for the user now.
// It asks launchd only when the host found no desktop login.
func (b *launchdBackend) noGUIDomain(ctx context.Context) bool {
	if !b.env.NoDesktop {
		return false
	}
	_, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintDisabledArgv(b.gui())...)
	return launchd.KindOf(err) == launchd.DomainNotSupported
}

// withSession notes in st whether there is a gui/UID domain, for a plan
// that touches the login agent (one for login, or one that removes an
// agent there).
func (b *launchdBackend) withSession(ctx context.Context, st launchdState, cond Condition) launchdState {
	if cond == Login || st.Agent.Exists {
		st.NoGUI = b.noGUIDomain(ctx)
	}
	return st
}

// nextDesktopLogin is the message of a login agent written without a
// desktop session.
func (st launchdState) nextDesktopLogin() string {
	return fmt.Sprintf("%s will start at the next desktop login (nobody is logged in at the desktop now, so launchd was not asked; it loads %s at login)",
		st.Inst.title(), st.Agent.Path)
}
