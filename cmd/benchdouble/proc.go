package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A server under test runs in a child process, so that its CPU time and
// memory are its own and not the load generator's: both are read from
// /proc/<pid> (utime + stime of /proc/<pid>/stat, the counters getrusage
// sums for a process; VmRSS of /proc/<pid>/status).

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on
// every Linux the kernel's ABI allows.
const userHZ = 100

// child is a running server process.
type child struct {
	name string
	cmd  *exec.Cmd
	url  string     // base URL, /v1 included
	host string     // host:port
	done chan error // receives the exit status once
	once sync.Once
	// version names the program, when it is not ours.
	version string
}

// startChild runs cmd and waits for its base URL: the first field of its
// stdout that starts with http://. Its stderr goes to ours.
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if found {
				continue
			}
			for _, f := range strings.Fields(sc.Text()) {
				if strings.HasPrefix(f, "http://") {
					urls <- f
					found = true
					break
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		c.done <- cmd.Wait()
	}()
	select {
	case u := <-urls:
		c.url = u
		c.host = strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/v1")
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("%s exited before serving: %v", name, err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not print its URL within 30s", name)
	}
}

// stop asks the child to end (SIGTERM) and waits for it, killing it after
// a while.
func (c *child) stop() {
	c.once.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
}

// cpu is the child's CPU time so far, user and system.
func (c *child) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14, 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc stat")
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// rss is the child's resident memory, in bytes.
func (c *child) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// startPrism runs Prism's mock server on the spec, logging off, on a free
// loopback port, and waits until it answers; nil and why when it cannot.
func startPrism(o options) (*child, string) {
	if o.prism == "" {
		return nil, "no -prism given"
	}
	version, err := exec.Command(o.prism, "--version").Output()
	if err != nil {
		return nil, fmt.Sprintf("%s --version: %v", o.prism, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err.Error()
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(o.prism, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-v", "silent", o.spec)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	// Scarf, a dependency, reports installs unless told not to; no
	// network here but loopback.
	cmd.Env = append(os.Environ(), "SCARF_ANALYTICS=false", "DO_NOT_TRACK=1")
	if err := cmd.Start(); err != nil {
		return nil, err.Error()
	}
	c := &child{name: "prism", cmd: cmd, done: make(chan error, 1),
		host: "127.0.0.1:" + strconv.Itoa(port), url: "http://127.0.0.1:" + strconv.Itoa(port),
		version: "@stoplight/prism-cli " + strings.TrimSpace(string(version))}
	go func() { c.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			c.done <- err
			return nil, fmt.Sprintf("prism exited before serving: %v", err)
		default:
		}
		if conn, err := net.DialTimeout("tcp", c.host, time.Second); err == nil {
			_ = conn.Close()
			return c, ""
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.stop()
	return nil, "prism did not listen within 60 s"
}
