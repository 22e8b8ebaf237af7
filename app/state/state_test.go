package state

import (
	"reflect"
	"testing"

	"github.com/limabar/limabar/app/lima"
)

func TestKeepLastInstances(t *testing.T) {
	a := Instance{Instance: lima.Instance{Name: "a", Status: lima.StatusRunning}}
	b := Instance{Instance: lima.Instance{Name: "b", Status: lima.StatusStopped}}
	listed := Snapshot{Limactl: "/usr/bin/limactl", LimaHome: "/home/u/.lima", Instances: []Instance{a, b}}
	failed := Snapshot{Limactl: "/usr/bin/limactl", LimaHome: "/home/u/.lima", ListErr: "limactl list did not answer within 30s"}
	staleFailed := failed
	staleFailed.Instances, staleFailed.InstancesStale = []Instance{a, b}, true
	otherHome := listed
	otherHome.LimaHome = "/Volumes/VMs/lima"
	otherLimactl := listed
	otherLimactl.Limactl = "/opt/homebrew/bin/limactl"
	noLimactl := Snapshot{LimaHome: "/home/u/.lima", LimactlErr: "limactl was not found"}
	relisted := Snapshot{Limactl: "/usr/bin/limactl", LimaHome: "/home/u/.lima", Instances: []Instance{b}}

	tests := []struct {
		name string
		s    Snapshot
		prev *Snapshot
		want Snapshot
	}{
		{"a failed list keeps the last instances", failed, &listed, staleFailed},
		{"and keeps them through more failures", failed, &staleFailed, staleFailed},
		{"a list that works replaces them", relisted, &staleFailed, relisted},
		{"nothing before", failed, nil, failed},
		{"no instances before", failed, &Snapshot{Limactl: "/usr/bin/limactl", LimaHome: "/home/u/.lima"}, failed},
		{"another LIMA_HOME before", failed, &otherHome, failed},
		{"another limactl before", failed, &otherLimactl, failed},
		{"limactl gone", noLimactl, &listed, noLimactl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.KeepLastInstances(tt.prev); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
