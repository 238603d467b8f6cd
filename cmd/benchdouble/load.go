package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/bits"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator speaks HTTP/1.1 over its own keep-alive connections:
// one goroutine per connection writes a pre-built request and reads the
// answer, nothing more, so that it spends as little of the machine's CPU as
// it can on itself. Every phase is bounded in time and in requests, and every
// read and write in time.

// ioTimeout bounds one request's write and read: a server that stalls fails
// the run instead of hanging it.
const ioTimeout = 10 * time.Second

// request is one kind of request: its bytes (swappable while the load runs,
// for a renewed token) and the status it must get.
type request struct {
	name   string
	raw    atomic.Pointer[[]byte]
	status int
}

func newRequest(name string, raw []byte, status int) *request {
	r := &request{name: name, status: status}
	r.raw.Store(&raw)
	return r
}

// getRequest builds a GET with an Authorization header.
func getRequest(host, path, auth string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + host +
		"\r\nAuthorization: " + auth +
		"\r\nAccept: application/json\r\nUser-Agent: benchdouble\r\n\r\n")
}

// postRequest builds a JSON POST.
func postRequest(host, path string, body []byte) []byte {
	return append([]byte("POST "+path+" HTTP/1.1\r\nHost: "+host+
		"\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+
		"\r\nAccept: application/json\r\nUser-Agent: benchdouble\r\n\r\n"), body...)
}

// conn is one keep-alive connection.
type conn struct {
	c  net.Conn
	br *bufio.Reader
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 64<<10)}, nil
}

// answer is what do reads of a response.
type answer struct {
	status      int
	contentType string
	body        []byte // only when asked for
}

// do sends raw and reads the answer; keep asks for the body.
func (c *conn) do(raw []byte, keep bool) (answer, error) {
	var a answer
	_ = c.c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.c.Write(raw); err != nil {
		return a, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return a, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return a, fmt.Errorf("bad status line %q", line)
	}
	if a.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return a, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return a, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return a, fmt.Errorf("bad header line %q", line)
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return a, fmt.Errorf("bad Content-Length %q", v)
			}
		case keep && bytes.EqualFold(k, []byte("Content-Type")):
			a.contentType = string(v)
		}
	}
	if length < 0 {
		return a, fmt.Errorf("answer without Content-Length")
	}
	if keep {
		a.body = make([]byte, length)
		_, err = io.ReadFull(c.br, a.body)
	} else {
		_, err = c.br.Discard(length)
	}
	return a, err
}

func (c *conn) close() { _ = c.c.Close() }

// stream is a set of connections sending one kind of request, counting
// answers and their latencies. Its counters are read while it runs, to cut
// a phase into windows.
type stream struct {
	req   *request
	done  atomic.Int64
	errs  atomic.Int64
	first atomic.Pointer[string] // the first error, said once
	hist  atomic.Pointer[histogram]
	stop  chan struct{}
	wg    sync.WaitGroup
}

// startStream sends req on n connections to addr until stopped or max
// requests have been sent.
func startStream(addr string, req *request, n int, max int64) *stream {
	return newStream(req, addr, n, max, func(s *stream, c *conn, _ int) error {
		a, err := c.do(*s.req.raw.Load(), false)
		if err != nil {
			return err
		}
		if a.status != s.req.status {
			s.fail(fmt.Errorf("%s answered %d, want %d", s.req.name, a.status, s.req.status))
		}
		return nil
	})
}

// newStream runs step in a loop on each of n connections to addr (i is the
// connection's number) until the stream is stopped or max steps have been
// taken in all. Each step's latency is recorded; a step's error ends its
// connection, and a step reports a wrong answer it can go on after with
// s.fail.
func newStream(req *request, addr string, n int, max int64, step func(s *stream, c *conn, i int) error) *stream {
	s := &stream{req: req, stop: make(chan struct{})}
	s.hist.Store(new(histogram))
	var sent atomic.Int64
	for i := range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c, err := dial(addr)
			if err != nil {
				s.fail(err)
				return
			}
			defer c.close()
			for {
				select {
				case <-s.stop:
					return
				default:
				}
				if sent.Add(1) > max {
					return
				}
				t0 := time.Now()
				if err := step(s, c, i); err != nil {
					s.fail(err)
					return
				}
				s.hist.Load().add(time.Since(t0))
				s.done.Add(1)
			}
		}()
	}
	return s
}

// halt stops the stream and waits for its connections to close.
func (s *stream) halt() {
	close(s.stop)
	s.wg.Wait()
}

func (s *stream) fail(err error) {
	s.errs.Add(1)
	msg := err.Error()
	s.first.CompareAndSwap(nil, &msg)
}

// cut returns the latencies recorded since the last cut and starts anew.
func (s *stream) cut() *histogram {
	return s.hist.Swap(new(histogram))
}

// histogram counts latencies in microseconds: exactly below 1024 µs, then
// in 512 buckets per power of two (0.2% wide). Its size is fixed whatever
// the number of requests; connections add to it concurrently.
type histogram struct {
	counts [nBuckets]atomic.Int64
	n      atomic.Int64
}

const nBuckets = 1024 + 40*512

func bucket(d time.Duration) int {
	v := uint64(max(d.Microseconds(), 0))
	if v < 1024 {
		return int(v)
	}
	shift := bits.Len64(v) - 10
	i := 1024 + (shift-1)*512 + int(v>>shift) - 512
	return min(i, nBuckets-1)
}

// lower is the smallest latency, in µs, of bucket i.
func lower(i int) float64 {
	if i < 1024 {
		return float64(i)
	}
	shift := (i-1024)/512 + 1
	return float64(uint64((i-1024)%512+512) << shift)
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucket(d)].Add(1)
	h.n.Add(1)
}

// quantile is the latency, in µs, below which a fraction q of the requests
// fall.
func (h *histogram) quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := min(int64(q*float64(n)), n-1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen > rank {
			return lower(i)
		}
	}
	return lower(len(h.counts) - 1)
}
