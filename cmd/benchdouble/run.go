package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const (
	defaultWindow = 4 * time.Second
	defaultLong   = 30 * time.Second
	defaultPair   = 2 * time.Second
	defaultPairs  = 3
	// windows is how many token windows the double gets: the goal compares
	// the first with the sixth.
	windows = 6
	mid     = "mid_123456"
)

type options struct {
	mock string
	// prism is the path of Prism's CLI and spec the spec it mocks; prism
	// "" runs without it.
	prism, spec               string
	conns, besideConns, pairs int
	window, long, pair        time.Duration
	maxRequests               int64
}

// printer writes figure lines: "figure <server> <name> <value>".
type printer struct{ w io.Writer }

func (p printer) put(server, name string, v float64) {
	fmt.Fprintf(p.w, "figure\t%s\t%s\t%.2f\n", server, name, v)
}

func (p printer) note(format string, args ...any) {
	fmt.Fprintf(p.w, "# "+format+"\n", args...)
}

// progress tells the person waiting what runs now.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchdouble: "+format+"\n", args...)
}

// requests are the two kinds of request, built for one server.
type requests struct {
	list, token *request
	bearer      string // the list call's Authorization header
}

// newRequests builds the requests for the server whose base URL (the
// spec's server path included, /v1 for the double) is base.
func newRequests(base, bearer string, credentials []byte) requests {
	listURL := base + "/api-keys/" + mid
	m, u, h, b := getRequest(listURL, bearer)
	list := newRequest("list", m, u, h, b, http.StatusOK)
	m, u, h, b = postRequest(base+"/oauth2/token", "", credentials)
	return requests{bearer: bearer, list: list, token: newRequest("token", m, u, h, b, http.StatusOK)}
}

func runBench(o options, out io.Writer) error {
	p := printer{out}
	p.note("machine: %s %s/%s, %d CPUs, %s", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	p.note("load average before the run: %s", loadAverage())
	p.note("method: each server in its own child process; CPU = utime+stime from /proc/<pid>/stat over a window / requests answered; RSS = VmRSS")
	p.note("load: vegeta's attacker, %d workers on %d keep-alive connections, no pacing (each sends on its last answer), %d more for token calls beside list calls; side-by-side figures in rounds of %v windows, order rotating", o.conns, o.conns, o.besideConns, o.pair)

	credentials := []byte(`{"AppKey":"mock-app-key","AppSecret":"mock-app-secret"}`)
	mockCmd := func() *exec.Cmd {
		return exec.Command(o.mock, "-addr", "127.0.0.1:0", "-quiet", "-app-key", "mock-app-key", "-app-secret", "mock-app-secret")
	}
	a, err := startChild("double", mockCmd())
	if err != nil {
		return err
	}
	defer a.stop()
	b, err := startChild("double (token windows)", mockCmd())
	if err != nil {
		return err
	}
	defer b.stop()
	prism, why := startPrism(o)
	if prism != nil {
		defer prism.stop()
		p.note("prism: %s", prism.version)
	} else {
		p.note("prism: not run: %s", why)
	}

	ra, err := freshRequests(a.url, credentials)
	if err != nil {
		return fmt.Errorf("double: %w", err)
	}
	if err := longRun(o, p, a, b, ra, newRequests(b.url, ra.bearer, credentials)); err != nil {
		return err
	}
	b.stop()
	if err := sideBySide(o, p, a, prism, ra.bearer, credentials); err != nil {
		return err
	}
	fresh, err := freshRequests(a.url, credentials)
	if err != nil {
		return fmt.Errorf("double: %w", err)
	}
	if err := lifecycleRun(o, p, a, fresh.bearer); err != nil {
		return err
	}
	p.note("load average after the run: %s", loadAverage())
	return nil
}

// longRun is the double's long list load on A, with the token windows on
// B beside it.
func longRun(o options, p printer, a, b *child, ra, rb requests) error {
	progress("double: %v of list load; token windows beside it, on a second process", o.long)
	start := time.Now()
	list := startStream(ra.list, o.conns, o.maxRequests, o.long+time.Minute)
	defer list.halt()
	time.Sleep(5 * time.Second)
	rss5, err := a.rss()
	if err != nil {
		return err
	}
	p.put("double", "rss-5s-MB", mb(rss5))

	tok := startStream(rb.token, o.conns, o.maxRequests, time.Duration(windows+1)*o.window)
	for i := range windows {
		w, err := measure(b, tok, o.window)
		if err != nil {
			tok.halt()
			return err
		}
		progress("double: token window %d: %.0f requests/s, %.1f µs of CPU each", i+1, w.rps, w.cpuPerReq)
		p.put("double", fmt.Sprintf("token-window%d-req/s", i+1), w.rps)
	}
	tok.halt()
	if err := tok.err(); err != nil {
		return err
	}

	time.Sleep(time.Until(start.Add(o.long)))
	rssEnd, err := a.rss()
	if err != nil {
		return err
	}
	if err := list.err(); err != nil {
		return err
	}
	p.put("double", "rss-30s-MB", mb(rssEnd))
	return nil
}

// server is one of the servers compared side by side.
type server struct {
	name string
	c    *child
	r    requests
}

// sideBySide measures the double beside Prism, when it runs, under list
// calls alone, one after the other in rounds, the order rotating from round
// to round so that a drift in the machine's load favours neither; then the
// double's list calls with token calls beside them.
func sideBySide(o options, p printer, a, prism *child, bearer string, credentials []byte) error {
	servers := []server{{"double", a, requests{}}}
	if prism != nil {
		// Prism checks that a token is sent, not which.
		servers = append(servers, server{"prism", prism, newRequests(prism.url, bearer, credentials)})
	}
	phases := []struct {
		name    string
		rounds  int
		servers []server
		run     func(s server) (window, error)
	}{
		{"list", o.pairs, servers, func(s server) (window, error) { return alone(o, s.c, s.r.list) }},
		{"list-with-token", 2, servers[:1], func(s server) (window, error) { return beside(o, s.c, s.r) }},
	}
	turn := 0
	for _, ph := range phases {
		progress("%s: %d round(s) of %d server(s)", ph.name, ph.rounds, len(ph.servers))
		for range ph.rounds {
			n := len(ph.servers)
			ws := make([]window, n)
			for k := range n {
				// The order rotates; ws stays in the servers' own order, so
				// that the checker pairs the i-th figure of each.
				i := (k + turn) % n
				s := ph.servers[i]
				if s.name == "double" {
					r, err := freshRequests(s.c.url, credentials)
					if err != nil {
						return fmt.Errorf("double: %s: %w", ph.name, err)
					}
					s.r = r
				}
				w, err := ph.run(s)
				if err != nil {
					return fmt.Errorf("%s: %s: %w", s.name, ph.name, err)
				}
				ws[i] = w
			}
			turn++
			for i, s := range ph.servers {
				if ph.name == "list-with-token" {
					p.put(s.name, "list-p99-with-token-us", ws[i].p99)
					continue
				}
				ws[i].put(p, s.name, ph.name)
			}
		}
		if ph.name == "list" {
			for _, s := range ph.servers[1:] {
				rss, err := s.c.rss()
				if err != nil {
					return err
				}
				p.put(s.name, "rss-list-MB", mb(rss))
			}
		}
	}
	return nil
}

// beside measures list calls with token calls running beside them.
func beside(o options, c *child, r requests) (window, error) {
	list := startStream(r.list, o.conns, o.maxRequests, o.pair+time.Minute)
	tok := startStream(r.token, o.besideConns, o.maxRequests, o.pair+time.Minute)
	w, err := measure(c, list, o.pair)
	tok.halt()
	list.halt()
	if err != nil {
		return w, err
	}
	return w, errors.Join(list.err(), tok.err())
}

// alone measures one kind of request on its own.
func alone(o options, c *child, req *request) (window, error) {
	s := startStream(req, o.conns, o.maxRequests, o.pair+time.Minute)
	w, err := measure(c, s, o.pair)
	s.halt()
	if err != nil {
		return w, err
	}
	return w, s.err()
}

// window is what one measured window saw.
type window struct {
	rps, cpuPerReq, p50, p99 float64
}

func (w window) put(p printer, server, name string) {
	p.put(server, name+"-req/s", w.rps)
	p.put(server, name+"-cpu-us", w.cpuPerReq)
	p.put(server, name+"-p50-us", w.p50)
	p.put(server, name+"-p99-us", w.p99)
}

// measure watches s against c for d: requests answered per second, the
// child's CPU time per request, and latency quantiles.
func measure(c *child, s *stream, d time.Duration) (window, error) {
	s.cut()
	cpu0, err := c.cpu()
	if err != nil {
		return window{}, err
	}
	n0, t0 := s.done.Load(), time.Now()
	time.Sleep(d)
	cpu1, err := c.cpu()
	if err != nil {
		return window{}, err
	}
	n1, t1 := s.done.Load(), time.Now()
	p50, p99 := s.cut()
	n := n1 - n0
	if n <= 0 {
		if err := s.err(); err != nil {
			return window{}, err
		}
		return window{}, fmt.Errorf("%s: no request answered in %v", s.name, d)
	}
	return window{
		rps:       float64(n) / t1.Sub(t0).Seconds(),
		cpuPerReq: float64((cpu1 - cpu0).Microseconds()) / float64(n),
		p50:       p50,
		p99:       p99,
	}, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// issue makes one token call to the server at base and returns the
// Authorization header that carries the token.
func issue(base string, credentials []byte) (string, error) {
	m, u, h, b := postRequest(base+"/oauth2/token", "", credentials)
	status, body, _, err := fetch(vegeta.Target{Method: m, URL: u, Header: h, Body: b})
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("token call: status %d, %v", status, err)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token call: no accessToken in the answer (%v)", err)
	}
	return "Bearer " + tok.AccessToken, nil
}

// freshRequests are the double's requests with a token issued now: the
// token windows before issue far more tokens than the double keeps
// (its cap on live tokens), so the token recorded at the start is long dropped.
func freshRequests(base string, credentials []byte) (requests, error) {
	bearer, err := issue(base, credentials)
	return newRequests(base, bearer, credentials), err
}
