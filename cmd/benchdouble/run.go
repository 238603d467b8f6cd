package main

import (
	"bytes"
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
)

const (
	defaultWindow = 5 * time.Second
	defaultLong   = 60 * time.Second
	defaultPair   = 2 * time.Second
	defaultPairs  = 3
	// windows is how many token windows the double gets: the goal compares
	// the first with the sixth.
	windows = 6
	mid     = "mid_123456"
)

type options struct {
	mock                      string
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

// requests are the three kinds of request, built for one server.
type requests struct {
	list, token, unauthorized *request
	bearer                    string // the list call's Authorization header
}

func newRequests(host, bearer string, credentials []byte) requests {
	return requests{
		bearer:       bearer,
		list:         newRequest("list", getRequest(host, "/v1/api-keys/"+mid, bearer), http.StatusOK),
		token:        newRequest("token", postRequest(host, "/v1/oauth2/token", credentials), http.StatusOK),
		unauthorized: newRequest("401", getRequest(host, "/v1/api-keys/"+mid, "Bearer not-a-token"), http.StatusUnauthorized),
	}
}

func runBench(o options, out io.Writer) error {
	p := printer{out}
	p.note("machine: %s %s/%s, %d CPUs, %s", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	p.note("load average before the run: %s", loadAverage())
	p.note("method: each server in its own child process; CPU = utime+stime from /proc/<pid>/stat over a window / requests answered; RSS = VmRSS")
	p.note("load: %d keep-alive connections, %d more for token calls beside list calls; side-by-side figures in pairs of %v windows, order alternating", o.conns, o.besideConns, o.pair)

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
	rec, err := record(a.host, credentials)
	if err != nil {
		return fmt.Errorf("double: %w", err)
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	input, _ := json.Marshal(rec)
	cmd := exec.Command(self, "-serve-bare")
	cmd.Stdin = bytes.NewReader(input)
	bare, err := startChild("bare", cmd)
	if err != nil {
		return err
	}
	defer bare.stop()
	got, err := record(bare.host, credentials)
	if err != nil {
		return fmt.Errorf("bare: %w", err)
	}
	if !bytes.Equal(got.List.Body, rec.List.Body) || !bytes.Equal(got.Unauthorized.Body, rec.Unauthorized.Body) ||
		got.List.ContentType != rec.List.ContentType {
		return errors.New("the bare handler does not answer the double's bytes")
	}

	ra := newRequests(a.host, rec.Bearer, credentials)
	if err := longRun(o, p, a, b, ra, newRequests(b.host, rec.Bearer, credentials)); err != nil {
		return err
	}
	b.stop()
	if err := sideBySide(o, p, a, bare, ra, newRequests(bare.host, rec.Bearer, credentials), credentials); err != nil {
		return err
	}
	fresh, err := freshRequests(a.host, credentials)
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
	list := startStream(a.host, ra.list, o.conns, o.maxRequests)
	defer list.halt()
	time.Sleep(o.window)
	rss5, err := a.rss()
	if err != nil {
		return err
	}
	p.put("double", "rss-5s-MB", mb(rss5))

	tok := startStream(b.host, rb.token, o.conns, o.maxRequests)
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
	rss60, err := a.rss()
	if err != nil {
		return err
	}
	if err := list.err(); err != nil {
		return err
	}
	p.put("double", "rss-60s-MB", mb(rss60))
	return nil
}

// sideBySide measures the double and the bare handler under the same
// loads, one after the other in pairs, the order alternating from pair to
// pair so that a drift in the machine's load favours neither.
func sideBySide(o options, p printer, a, bare *child, ra, rb requests, credentials []byte) error {
	type server struct {
		name string
		c    *child
		r    requests
	}
	servers := [2]server{{"double", a, ra}, {"bare", bare, rb}}
	phases := []struct {
		name  string
		pairs int
		run   func(s server) (window, error)
	}{
		{"list", o.pairs, func(s server) (window, error) { return alone(o, s.c, s.r.list) }},
		{"401", 1, func(s server) (window, error) { return alone(o, s.c, s.r.unauthorized) }},
		{"token", 1, func(s server) (window, error) { return alone(o, s.c, s.r.token) }},
		{"list-with-token", 2, func(s server) (window, error) { return beside(o, s.c, s.r) }},
	}
	turn := 0
	for _, ph := range phases {
		progress("side by side: %s, %d pair(s)", ph.name, ph.pairs)
		for range ph.pairs {
			order := servers
			if turn%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			turn++
			var ws [2]window
			for i, s := range order {
				if s.name == "double" {
					r, err := freshRequests(s.c.host, credentials)
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
			// Double first, then bare, whatever the order they ran in, so
			// that the checker pairs the i-th figure of each.
			for i, s := range order {
				if s.name == "double" {
					ws[0], ws[1] = ws[i], ws[1-i]
				}
			}
			for i, name := range []string{"double", "bare"} {
				if ph.name == "list-with-token" {
					p.put(name, "list-p99-with-token-us", ws[i].p99)
					continue
				}
				ws[i].put(p, name, ph.name)
			}
		}
		if ph.name == "list" {
			rss, err := bare.rss()
			if err != nil {
				return err
			}
			p.put("bare", "rss-list-MB", mb(rss))
		}
	}
	return nil
}

// beside measures list calls with token calls running beside them.
func beside(o options, c *child, r requests) (window, error) {
	list := startStream(c.host, r.list, o.conns, o.maxRequests)
	tok := startStream(c.host, r.token, o.besideConns, o.maxRequests)
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
	s := startStream(c.host, req, o.conns, o.maxRequests)
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
	h := s.cut()
	n := n1 - n0
	if n <= 0 {
		if err := s.err(); err != nil {
			return window{}, err
		}
		return window{}, fmt.Errorf("%s: no request answered in %v", s.req.name, d)
	}
	return window{
		rps:       float64(n) / t1.Sub(t0).Seconds(),
		cpuPerReq: float64((cpu1 - cpu0).Microseconds()) / float64(n),
		p50:       h.quantile(0.50),
		p99:       h.quantile(0.99),
	}, nil
}

func (s *stream) err() error {
	if m := s.first.Load(); m != nil {
		return fmt.Errorf("%s: %d failed requests, the first: %s", s.req.name, s.errs.Load(), *m)
	}
	return nil
}

// record gets a token from the server at host and its three answers.
func record(host string, credentials []byte) (canned, error) {
	var rec canned
	c, err := dial(host)
	if err != nil {
		return rec, err
	}
	defer c.close()
	a, bearer, err := issue(c, host, credentials)
	if err != nil {
		return rec, err
	}
	rec.Token = cannedAnswer{a.contentType, a.body}
	rec.Bearer = bearer
	for _, step := range []struct {
		auth   string
		status int
		into   *cannedAnswer
	}{
		{rec.Bearer, http.StatusOK, &rec.List},
		{"Bearer not-a-token", http.StatusUnauthorized, &rec.Unauthorized},
	} {
		a, err := c.do(getRequest(host, "/v1/api-keys/"+mid, step.auth), true)
		if err != nil || a.status != step.status {
			return rec, fmt.Errorf("list call: status %d, want %d (%v)", a.status, step.status, err)
		}
		*step.into = cannedAnswer{a.contentType, a.body}
	}
	return rec, nil
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

// issue makes one token call on c and returns its answer and the
// Authorization header that carries the token.
func issue(c *conn, host string, credentials []byte) (answer, string, error) {
	a, err := c.do(postRequest(host, "/v1/oauth2/token", credentials), true)
	if err != nil || a.status != http.StatusOK {
		return a, "", fmt.Errorf("token call: status %d, %v", a.status, err)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal(a.body, &tok); err != nil || tok.AccessToken == "" {
		return a, "", fmt.Errorf("token call: no accessToken in the answer (%v)", err)
	}
	return a, "Bearer " + tok.AccessToken, nil
}

// freshRequests are the double's requests with a token issued now: the
// token windows before issue far more tokens than the double keeps
// (WithMaxTokens), so the token recorded at the start is long dropped.
func freshRequests(host string, credentials []byte) (requests, error) {
	c, err := dial(host)
	if err != nil {
		return requests{}, err
	}
	defer c.close()
	_, bearer, err := issue(c, host, credentials)
	return newRequests(host, bearer, credentials), err
}
