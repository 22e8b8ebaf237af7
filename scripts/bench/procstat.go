package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// which is 100 on every Linux this runs on).
const clockTick = 10 * time.Millisecond

// usage is what the kernel counts for a process at one moment.
type usage struct {
	// CPU is utime+stime from /proc/PID/stat, in clock ticks; it keeps
	// the time of threads that have ended.
	CPU time.Duration
	// Run is the time on a CPU from /proc/PID/task/*/schedstat, summed
	// over the threads: CPU to the nanosecond, but without threads that
	// ended between two readings.
	Run time.Duration
	// Switches are voluntary+nonvoluntary context switches summed over
	// the threads (/proc/PID/status counts only the main thread).
	Switches int64
	// ByThread are the switches of each thread, by its name.
	ByThread map[string]int64
	// Ended is, in a difference, how many threads ended in between: their
	// last switches and run time are not counted.
	Ended int
	// RSS is VmRSS, Anon the Anonymous line of smaps_rollup.
	RSS, Anon int64
	FDs       int
	Threads   int

	tasks map[string]task
}

// task is one thread's counters.
type task struct {
	name     string
	switches int64
	run      time.Duration
}

// readUsage reads /proc for pid.
func readUsage(pid int) (usage, error) {
	var u usage
	base := fmt.Sprintf("/proc/%d", pid)
	stat, err := os.ReadFile(base + "/stat")
	if err != nil {
		return u, err
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return u, fmt.Errorf("%s/stat: no command name", base)
	}
	f := strings.Fields(string(stat[i+1:]))
	// After "(comm)": state(0) ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12).
	if len(f) < 13 {
		return u, fmt.Errorf("%s/stat: short", base)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	u.CPU = time.Duration(ut+st) * clockTick

	status, err := statusFields(base + "/status")
	if err != nil {
		return u, err
	}
	u.RSS = status["VmRSS"] * 1024
	u.Threads = int(status["Threads"])
	rollup, err := statusFields(base + "/smaps_rollup")
	if err != nil {
		return u, err
	}
	u.Anon = rollup["Anonymous"] * 1024

	tasks, err := os.ReadDir(base + "/task")
	if err != nil {
		return u, err
	}
	u.tasks = map[string]task{}
	for _, t := range tasks {
		dir := filepath.Join(base, "task", t.Name())
		ts, err := statusFields(dir + "/status")
		if err != nil {
			continue // the thread ended meanwhile
		}
		name, _ := os.ReadFile(dir + "/comm")
		k := task{name: strings.TrimSpace(string(name)), switches: ts["voluntary_ctxt_switches"] + ts["nonvoluntary_ctxt_switches"]}
		if ss, err := os.ReadFile(dir + "/schedstat"); err == nil {
			if fs := strings.Fields(string(ss)); len(fs) > 0 {
				ns, _ := strconv.ParseInt(fs[0], 10, 64)
				k.run = time.Duration(ns)
			}
		}
		u.tasks[t.Name()] = k
	}
	u.sumTasks(nil)
	fds, err := os.ReadDir(base + "/fd")
	if err != nil {
		return u, err
	}
	u.FDs = len(fds)
	return u, nil
}

// statusFields reads "Key:   123 kB" lines; the number is kept, the unit
// dropped (every size there is in kB).
func statusFields(path string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(fs[0], 10, 64); err == nil {
			out[strings.TrimSpace(k)] = n
		}
	}
	return out, s.Err()
}

// sumTasks fills Switches, Run and ByThread from the threads, less what
// each had in earlier (a thread born in between counts whole).
func (u *usage) sumTasks(earlier map[string]task) {
	u.Switches, u.Run, u.ByThread = 0, 0, map[string]int64{}
	for tid, t := range u.tasks {
		before := earlier[tid]
		u.Switches += t.switches - before.switches
		u.Run += t.run - before.run
		u.ByThread[t.name] += t.switches - before.switches
	}
}

// sub is the usage between two readings: counters subtract, thread by
// thread, sizes are the later ones.
func (u usage) sub(earlier usage) usage {
	d := u
	d.CPU -= earlier.CPU
	d.sumTasks(earlier.tasks)
	for tid := range earlier.tasks {
		if _, ok := u.tasks[tid]; !ok {
			d.Ended++
		}
	}
	return d
}
