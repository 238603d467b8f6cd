package flexapi_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// Every call is bounded: a server that stalls at any stage of an exchange,
// on the list call or on the token call, costs at most the client's
// WithTimeout plus a little, leaves no goroutine behind (goleak, TestMain),
// leaves no connection open, and once it recovers the next call succeeds.

// stallStage is where in an exchange the server stops.
type stallStage string

const (
	// stallConnect accepts the TCP connection and never answers the TLS
	// handshake.
	stallConnect stallStage = "connect"
	// stallHeaders reads the request and never answers.
	stallHeaders stallStage = "headers"
	// stall1xx sends a 103 Early Hints and nothing more.
	stall1xx stallStage = "1xx"
	// stall101 switches protocols, unasked, and sends nothing more.
	stall101 stallStage = "101"
	// stallBody sends a 200 and part of its declared body.
	stallBody stallStage = "body"
	// stallTrailer sends a whole chunked body and never ends its trailer.
	stallTrailer stallStage = "trailer"
)

// stallServer speaks HTTP/1.1 on raw connections, so that it can stop
// anywhere. While stalling, it stops at stage on the requests of route
// ("list" or "token"; every connection for stallConnect); otherwise it
// answers both routes as FlexFactor does.
type stallServer struct {
	raw      *rawServer
	tls      *tls.Config // nil for plain http
	stage    stallStage
	route    string
	stalling atomic.Bool
	// stalls counts the stalls under way: each ends when the client
	// closes its connection.
	stalls atomic.Int32
	tokens atomic.Int32
}

func newStallServer(t *testing.T, stage stallStage, route string, tlsConf *tls.Config) *stallServer {
	t.Helper()
	s := &stallServer{tls: tlsConf, stage: stage, route: route}
	s.stalling.Store(true)
	s.raw = newRawServer(t, s.serve)
	return s
}

func (s *stallServer) URL() string {
	if s.tls != nil {
		return strings.Replace(s.raw.URL(), "http://", "https://", 1)
	}
	return s.raw.URL()
}

func (s *stallServer) serve(c net.Conn) {
	if s.tls != nil {
		if s.stalling.Load() && s.stage == stallConnect {
			s.stall(c, "")
			return
		}
		c = tls.Server(c, s.tls)
		defer c.Close()
	}
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
		route := "list"
		if strings.HasSuffix(req.URL.Path, "/oauth2/token") {
			route = "token"
		}
		if s.stalling.Load() && route == s.route {
			s.stall(c, s.stallHead(route))
			return
		}
		body := twoKeysBody
		if route == "token" {
			body = fmt.Sprintf(`{"accessToken": "stall-token-%d", "refreshToken": "r", "expires": %d}`,
				s.tokens.Add(1), time.Now().Add(10*time.Minute).UnixMilli())
		}
		_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
}

// stallHead is what the server sends before it stops.
func (s *stallServer) stallHead(route string) string {
	body := `{"keys": []}`
	if route == "token" {
		body = `{"accessToken": "never-used", "refreshToken": "r", "expires": 1732017600000}`
	}
	switch s.stage {
	case stall1xx:
		return "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
	case stall101:
		return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
	case stallBody:
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + body[:10]
	case stallTrailer:
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\nX-Checksum: 1\r\n", len(body), body)
	}
	return "" // headers
}

// stall writes head and waits for the client to close the connection.
func (s *stallServer) stall(c net.Conn, head string) {
	s.stalls.Add(1)
	defer s.stalls.Add(-1)
	_, _ = io.WriteString(c, head)
	_, _ = io.Copy(io.Discard, c)
}

// resume makes the server answer again, once every stall has ended, and
// reports whether they did within bound: a client that never closes a
// stalled connection holds it, and its goroutines, for good.
func (s *stallServer) resume(bound time.Duration) bool {
	defer s.stalling.Store(false)
	for deadline := time.Now().Add(bound); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if s.stalls.Load() == 0 {
			return true
		}
	}
	return false
}

func TestEveryStallEndsWithinTheTimeout(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		slack   = 700 * time.Millisecond
	)
	// The TLS server's certificate and a transport that trusts it.
	certSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	certSrv.StartTLS()
	t.Cleanup(certSrv.Close)

	for _, route := range []string{"list", "token"} {
		for _, stage := range []stallStage{stallConnect, stallHeaders, stall1xx, stall101, stallBody, stallTrailer} {
			t.Run(fmt.Sprintf("%s call, stalled at %s", route, stage), func(t *testing.T) {
				t.Parallel()
				var tlsConf *tls.Config
				opts := []flexapi.Option{flexapi.WithTimeout(timeout), fastRetries}
				if stage == stallConnect {
					tlsConf = certSrv.TLS
					tr := certSrv.Client().Transport.(*http.Transport).Clone()
					// net/http lets a dial outlive the request that started
					// it, so that the connection can serve the next one; the
					// transport's own handshake timeout ends it.
					tr.TLSHandshakeTimeout = 2 * timeout
					t.Cleanup(tr.CloseIdleConnections)
					opts = append(opts, flexapi.WithHTTPClient(&http.Client{Transport: tr}))
				}
				s := newStallServer(t, stage, route, tlsConf)
				opts = append(opts, flexapi.WithBaseURL(s.URL()))
				if route == "token" {
					opts = append(opts, flexapi.WithCredentials(appKey, appSecret))
				} else {
					opts = append(opts, flexapi.WithToken(staticTok))
				}
				c := mustNew(t, opts...)

				err := listWithin(t, c, timeout+slack)
				if err == nil {
					t.Fatal("a stalled server gave a list: want an error")
				}
				var apiErr *flexapi.APIError
				switch {
				case stage == stall101:
					if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusSwitchingProtocols {
						t.Errorf("error %v: want an *APIError 101", err)
					}
				case !errors.Is(err, context.DeadlineExceeded):
					t.Errorf("error %v (%T): want the deadline", err, err)
				}
				assertNoSecret(t, err)

				if !s.resume(timeout + slack) {
					t.Error("the client still holds the stalled connection")
				}
				if err := listWithin(t, c, timeout+slack); err != nil {
					t.Errorf("after the server recovered: %v", err)
				}
			})
		}
	}
}

// listWithin lists exampleMID and returns the error, failing the test when
// the call takes longer than bound (it still waits for the call to end).
func listWithin(t *testing.T, c *flexapi.Client, bound time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.ListAPIKeys(context.Background(), exampleMID)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(bound):
		t.Errorf("the call still runs after %s", bound)
		return errors.New("still running after " + time.Since(start).String())
	}
}
