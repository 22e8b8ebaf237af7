package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/menu"
)

// BenchmarkMenuBuild is the cost of one menu model, which the app rebuilds
// whole on every change (target: 2 ms for 500 instances).
func BenchmarkMenuBuild(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			in := menuInput(n)
			b.ReportAllocs()
			for b.Loop() {
				menu.Build(in)
			}
		})
	}
}

// TestMenuInputShowsEveryInstance checks that the benchmark's input is a
// menu of n instances, so the benchmark measures what it says.
func TestMenuInputShowsEveryInstance(t *testing.T) {
	for _, n := range []int{10, 100, 500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m := menu.Build(menuInput(n))
			got := 0
			var count func(items []menu.Item)
			count = func(items []menu.Item) {
				for _, it := range items {
					if len(it.Children) > 0 && !strings.HasPrefix(it.Title, "More Instances") {
						got++
						continue
					}
					count(it.Children)
				}
			}
			count(m.Instances)
			if got != n {
				t.Errorf("got %d instance submenus, want %d", got, n)
			}
		})
	}
}
