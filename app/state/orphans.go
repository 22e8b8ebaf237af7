package state

import (
	"context"

	"github.com/limabar/limabar/autostart"
)

// Registered lists every registration file of this account, whatever
// instance it names, so that the command line can find the ones whose
// instance limactl no longer lists: a snapshot only holds the instances
// limactl lists. Removing one goes through Disable, which works for an
// instance limactl does not know.
func (l *Live) Registered(ctx context.Context) ([]autostart.Registration, error) {
	return l.Engine.Registered(ctx)
}
