package main

import (
	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/state"
)

// selfStarter is "Open LimaBar at Login" for this host, or nil.
func selfStarter(host *hostenv.Host) state.SelfStarter { return nil }
