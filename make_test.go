package apikeys_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// makefileTargets are the targets the Makefile defines, in order.
func makefileTargets(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
	}
	return names
}

// TestBareMakeListsEveryTarget: a bare `make` is `make help`, which lists
// every target of the Makefile with its one line.
func TestBareMakeListsEveryTarget(t *testing.T) {
	passed, out := runCommand(t, ".", nil, "make", "--no-print-directory")
	if !passed {
		t.Fatalf("make failed:\n%s", out)
	}
	targets := makefileTargets(t)
	if len(targets) < 10 {
		t.Fatalf("found only %d targets in the Makefile: %v", len(targets), targets)
	}
	for _, name := range targets {
		line := regexp.MustCompile(`(?m)^  make ` + regexp.QuoteMeta(name) + ` +(\S.*)$`).FindStringSubmatch(out)
		if line == nil {
			t.Errorf("make help does not list %q with a description (a `## %s: ...` line above it):\n%s", name, name, out)
		}
	}
	if got := strings.Count(out, "\n"); got != len(targets) {
		t.Errorf("make help printed %d lines for %d targets:\n%s", got, len(targets), out)
	}
}

// TestVersionChecksSayWhatIsMissing runs the checks every target starts with
// against fake go, node and npm commands that report versions too old.
func TestVersionChecksSayWhatIsMissing(t *testing.T) {
	fake := func(t *testing.T, scripts map[string]string) []string {
		bin := t.TempDir()
		for name, body := range scripts {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	}
	cases := []struct {
		name    string
		target  string
		scripts map[string]string
		want    string
	}{
		{"an old local Go", "need-go", map[string]string{
			"go": `case "$*" in "env GOVERSION") echo go1.26.1;; "env GOTOOLCHAIN") echo local;; esac`,
		}, "make: Go 1.26.8 or later is needed (go.mod), found go1.26.1 with GOTOOLCHAIN=local: install it from https://go.dev/dl/ or set GOTOOLCHAIN=auto"},
		{"Node 20.18", "need-node", map[string]string{"node": "echo v20.18.3", "npm": "echo 10.8.2"},
			"make: Node.js 20.19+ (or 22.12+) is needed for the spec's Node tools, found 20.18.3: get it from https://nodejs.org/"},
		{"Node 22.11", "need-node", map[string]string{"node": "echo v22.11.0", "npm": "echo 10.9.0"},
			"found 22.11.0"},
		{"npm 9", "need-node", map[string]string{"node": "echo v20.19.0", "npm": "echo 9.8.1"},
			"make: npm 10+ is needed for the spec's Node tools, found 9.8.1: npm install -g npm@10"},
		{"Node 21, between the accepted lines", "need-node", map[string]string{"node": "echo v21.7.3", "npm": "echo 10.5.0"},
			"found 21.7.3"},
		// nil scripts: a PATH with the shell's tools and neither go nor node.
		{"no go", "need-go", nil,
			"make: Go 1.26.8 or later is needed (go.mod) and no go is on PATH: get it from https://go.dev/dl/"},
		{"no node", "need-node", nil,
			"make: Node.js 20.19+ (or 22.12+) with npm 10+ is needed for the spec's Node tools: get it from https://nodejs.org/"},
	}
	// bare is a PATH holding only what the Makefile's shell and the checks
	// run besides the toolchains.
	bare := func(t *testing.T) []string {
		bin := t.TempDir()
		for _, tool := range []string{"bash", "env", "dirname", "sed", "sort", "head", "cat"} {
			p, err := exec.LookPath(tool)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"PATH=" + bin}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := bare(t)
			if tc.scripts != nil {
				env = fake(t, tc.scripts)
			}
			passed, out := runCommand(t, ".", env, "make", "--no-print-directory", "-s", tc.target)
			if passed {
				t.Fatalf("make %s passed:\n%s", tc.target, out)
			}
			if first, _, _ := strings.Cut(out, "\n"); !strings.Contains(first, tc.want) {
				t.Errorf("make %s said:\n%s\nwant a first line with %q", tc.target, out, tc.want)
			}
		})
	}
	for _, target := range []string{"need-go", "need-node"} {
		if passed, out := runCommand(t, ".", nil, "make", "--no-print-directory", "-s", target); !passed || out != "" {
			t.Errorf("make %s on this machine: passed %t, said %q", target, passed, out)
		}
	}
}

// TestMakeMockStopsOnSignals starts `make mock` on a free port and stops it
// with each signal a person or a supervisor sends, to make, to the double,
// or to the whole process group as a terminal's Ctrl-C does: the double
// stops cleanly, no process or port is left, and no temporary file remains.
// GNU make itself re-raises a signal it was sent once its children have
// ended, so its own status is that signal's; a signal to the double alone
// ends `make mock` with status 0.
func TestMakeMockStopsOnSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the double through make")
	}
	cases := []struct {
		name string
		sig  syscall.Signal
		to   string // "make", "mock" or "group"
	}{
		{"SIGTERM to make", syscall.SIGTERM, "make"},
		{"SIGINT to the process group (Ctrl-C)", syscall.SIGINT, "group"},
		{"SIGTERM to the double", syscall.SIGTERM, "mock"},
		{"SIGINT to the double", syscall.SIGINT, "mock"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command("make", "--no-print-directory", "mock", "MOCK_FLAGS=-addr 127.0.0.1:0 -quiet")
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
				done <- cmd.Wait()
			}()
			defer func() {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}()

			var seen []string
			var base string
			timeout := time.After(2 * time.Minute)
			for base == "" {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("make mock ended before serving:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
					}
					seen = append(seen, l)
					if v, ok := strings.CutPrefix(l, "  base URL:   "); ok {
						base = v
					}
				case <-timeout:
					t.Fatalf("make mock did not start:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
				}
			}
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			mock := descendantMock(t, cmd.Process.Pid)

			switch tc.to {
			case "make":
				err = syscall.Kill(cmd.Process.Pid, tc.sig)
			case "group":
				err = syscall.Kill(-cmd.Process.Pid, tc.sig)
			default:
				err = syscall.Kill(mock, tc.sig)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Output ends when every process holding make's stdout has
			// ended: an orphaned double would hold it open.
			stopped := time.After(20 * time.Second)
		drain:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						break drain
					}
					seen = append(seen, l)
				case <-stopped:
					_ = syscall.Kill(mock, syscall.SIGKILL)
					t.Fatalf("make mock, or the double (pid %d), did not stop:\n%s", mock, strings.Join(seen, "\n"))
				}
			}
			select {
			case err = <-done:
			case <-stopped:
				t.Fatalf("make mock did not stop:\n%s", strings.Join(seen, "\n"))
			}

			var exitErr *exec.ExitError
			switch {
			case err == nil:
			case tc.to != "mock" && errors.As(err, &exitErr) && exitErr.Sys().(syscall.WaitStatus).Signal() == tc.sig:
				// make re-raised the signal it was sent, after the double stopped.
			case tc.to == "group" && errors.As(err, &exitErr) && exitErr.ExitCode() == 2 &&
				strings.Contains(stderr.String(), "wait: No child processes"):
				// GNU make (4.3) races its own SIGINT handler against the
				// reaping of the child the same Ctrl-C stopped, now and then
				// under load (2 of 3 go test -race -count=3 ./... runs): it
				// says "wait: No child processes" and exits 2. The double
				// stopped cleanly all the same, as the checks below prove.
			default:
				t.Errorf("make mock ended with %v; want status 0%s\n%s", err,
					map[bool]string{true: "", false: " or make's own " + tc.sig.String()}[tc.to == "mock"], stderr.String())
			}
			if last := seen[len(seen)-1]; last != "flexfactor-mock: stopped" {
				t.Errorf("the double did not stop cleanly; its last line is %q", last)
			}
			if _, err := os.Stat("/proc/" + strconv.Itoa(mock)); err == nil {
				t.Errorf("the double (pid %d) is still there", mock)
			}
			if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections", u.Host)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("make mock left %s in TMPDIR", entries[0].Name())
			}
		})
	}
}

// descendantMock returns the pid of the flexfactor-mock process below pid
// (make's child, or a shell's child in between), once it has started.
func descendantMock(t *testing.T, pid int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		below := map[int]bool{pid: true}
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		// Parents have lower pids than their children on a machine whose pids
		// have not wrapped; two passes cover the rest.
		for range 2 {
			for _, s := range stats {
				b, err := os.ReadFile(s)
				if err != nil {
					continue
				}
				// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
				_, rest, _ := bytes.Cut(b, []byte(") "))
				f := strings.Fields(string(rest))
				if len(f) < 2 {
					continue
				}
				ppid, _ := strconv.Atoi(f[1])
				child, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
				if below[ppid] {
					below[child] = true
				}
			}
		}
		for p := range below {
			if exe, _ := os.Readlink("/proc/" + strconv.Itoa(p) + "/exe"); p != pid && filepath.Base(exe) == "flexfactor-mock" {
				return p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no flexfactor-mock process below make (pid %d)", pid)
	return 0
}

// TestMakeContractReadsTheEnvironment runs `make contract` with
// FLEXFACTOR_BASE_URL, FLEXFACTOR_TOKEN and FLEXFACTOR_MID naming a double
// on a free loopback port: the run must test that server (its requests
// are counted), not the embedded double. `go test ./contract` ignores the
// same variables (contract/selftest's TestAUnitRunSendsNothingWhatever-
// TheEnvironment); only the Makefile's -contract.env opts in, and without it
// a nightly run would test the embedded double and call it the sandbox.
func TestMakeContractReadsTheEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the contract suite through make")
	}
	var requests atomic.Int64
	srv := flexapitest.NewServer(flexapitest.WithRequestHook(func(flexapitest.Request) { requests.Add(1) }))
	defer srv.Close()
	reports := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLEXFACTOR_") {
			env = append(env, kv)
		}
	}
	env = append(env, "FLEXFACTOR_BASE_URL="+srv.URL, "FLEXFACTOR_TOKEN="+srv.IssueToken(),
		"FLEXFACTOR_MID="+flexapitest.DefaultMID, "FLEXFACTOR_REQUEST_TIMEOUT=10s")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "contract", "CONTRACT_REPORTS="+reports)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make contract against a faithful double failed: %v\n%s", err, out)
	}
	if requests.Load() == 0 {
		t.Errorf("make contract sent no request to FLEXFACTOR_BASE_URL:\n%s", out)
	}
	if !strings.Contains(string(out), "contract target: live "+srv.URL+";") {
		t.Errorf("make contract did not say it tests %s:\n%s", srv.URL, out)
	}
	for _, f := range []string{"junit.xml", "contract-report.md", "observations.json"} {
		if _, err := os.Stat(filepath.Join(reports, f)); err != nil {
			t.Errorf("make contract wrote no %s into CONTRACT_REPORTS: %v", f, err)
		}
	}
}
