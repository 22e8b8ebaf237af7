package main

import (
	"slices"
	"time"
)

// sample is a set of measured durations.
type sample []time.Duration

func (s sample) sorted() sample {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// quantile is the nearest-rank quantile q (0 < q ≤ 1): with 50 runs, p95
// is the 48th fastest.
func (s sample) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := s.sorted()
	rank := int(q*float64(len(c)) + 0.999999)
	rank = max(1, min(rank, len(c)))
	return c[rank-1]
}

func (s sample) median() time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := s.sorted()
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (s sample) p95() time.Duration { return s.quantile(0.95) }

func (s sample) min() time.Duration {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func (s sample) max() time.Duration {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

// over counts the durations longer than d.
func (s sample) over(d time.Duration) int {
	n := 0
	for _, v := range s {
		if v > d {
			n++
		}
	}
	return n
}
