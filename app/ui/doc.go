// Package ui is LimaBar's menu-bar controller: one goroutine (Loop) owns
// every piece of the GUI's state. Events come in (a snapshot read, a click,
// an action done, a timer, the toolkit gone, …); Update, a pure function
// without goroutines, locks or clock, decides; the effects it returns run
// off the loop through an Executor and come back as events. The loop builds
// the menu (app/menu) and leaves it in a Mailbox where the newest menu wins,
// so that the loop never waits for the toolkit's main thread. The
// Mailbox's mutex is the only one of the package.
//
// Following one click: the tray's click goroutine hands the action to
// Loop.Click; Update marks its slot busy (Draw) and asks for Run; the
// executor runs it and sends ActionDone; Update asks for a Read and
// notifications; ReadDone draws the result.
//
// What the GUI does, and the tests that hold it (package main's in app,
// the tray's in app/tray):
//
//   - The menu is drawn before the start-up (login shell, engine) ends:
//     TestMenuBeforeTheLoginShell; TestUpdate "start-up draws at once and
//     reads everything".
//   - One LimaBar per user: TestSecondInstanceExits.
//   - Quit works at any moment, also before the toolkit is ready:
//     TestQuitDuringStartUp, TestSlowLimactlKeepsTheMenuResponsive,
//     TestAdminPromptLeavesTheMenuUsable, TestLoopQuitBeforeTheToolkitIsReady.
//   - Quit is safe on a Mac, where the process ends right after the
//     toolkit's exit callback: drawing stops first, then what is in flight
//     (actions, what is left of a change, the shared reload) is finished
//     inside the callback, then the lock is released and the log closed:
//     TestQuitDuringTheBootPromptOnAMac, TestLoopQuitFinishesWhatIsInFlight,
//     TestUpdate "the toolkit gone …", TestClicksShareOneReload.
//   - Reads are merged (a change during a read asks for one more read),
//     list the instances or read only the registrations of those shown,
//     and are bounded (Config.SnapshotTimeout): TestUpdate "a change during
//     a read asks for one more, merged", "which starts when the read ends",
//     TestChangeShowsBeforeItsTidyingUp, TestLoopReadIsBounded.
//   - "Waiting for limactl…" after 2 s: TestLoopSlowReadSaysItWaits,
//     TestSlowLimactlKeepsTheMenuResponsive, TestUpdate "a slow read says it
//     waits".
//   - When a list fails, the last instances are kept and marked stale:
//     TestListFailureKeepsTheLastInstances, TestUpdate "a failed list keeps
//     the last instances …".
//   - A slot stays busy until a read begun after its action is drawn:
//     TestLoopClickBusyUntilALaterReadIsDrawn, TestTwoQuickClicksRunOneOperation,
//     TestUpdate "the slot stays busy …".
//   - Clicks on one instance's registrations run in order, the last click
//     wins: TestAutostartChangesOfOneInstanceAreSerialised,
//     TestLoopLastClickWins, TestUpdate "a change of the other switch …".
//   - A cancelled password prompt is not a failure:
//     TestCancelledPasswordPromptIsNotAFailure, TestUpdate "a cancelled
//     password prompt is not a failure".
//   - Failures are shown newest first, capped, and added in one place
//     (update.fail): TestFailureShowsInTheMenuAndAsANotification,
//     TestUpdate "failures are capped at twice what the menu shows".
//   - A panic in an action becomes its failure and frees its slot:
//     TestPanickingActionIsAFailure, TestPanicAfterTheActionFreesTheItem,
//     TestLoopPanicIsAFailureAndFreesItsSlot.
//   - One notification per failure, and none holds up a draw (decided in
//     Update, sent after the Draw): TestLoopOneNotificationPerFailedAutostart,
//     TestHealthFailureNotificationOpensTheLog, TestUpdate "a failed
//     autostart is told after the draw, with the log to show".
//   - systemd's reload is shared (300 ms quiet, 5 s at most) and Start waits
//     for it: TestLoopClicksShareOneReload, TestLoopStartWaitsForTheReload,
//     TestClicksShareOneReload, TestUpdate "… shares the reload …", "the
//     longest wait runs it …", "Start runs the reload that waits …".
//   - The checkmark is drawn before what is left of a change runs:
//     TestChangeShowsBeforeItsTidyingUp, TestUpdate "the checkmark is drawn
//     before the rest runs".
//   - Watcher routing: a change in LIMA_HOME lists the instances again, one
//     in a registration folder reads the registrations: TestUpdate "a change
//     in LIMA_HOME …", "a change in a registration folder …".
//   - The stale-click window (a click on an item whose action changed
//     within the last second is dropped) lives in the tray's renderer:
//     TestStaleClickOnReboundItem, TestStaleClickAfterActionChanges,
//     TestOwnClickOpensNoWindow.
//   - The last menu (LastMenu) is drawn at once at start-up, marked as being
//     refreshed, then replaced by the first read, and each good read is
//     kept: TestLoopLastMenuFirst, TestBuildRefreshing.
//   - The newest menu wins in the Mailbox, and nothing is drawn once it is
//     closed: TestMailboxNewestWins.
package ui
