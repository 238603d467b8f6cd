package flexapitest

import (
	"log"
	"os"
	"strings"
)

// hangUpNoise are the http.Server complaints about a client that went away
// or never spoke HTTP: faults and hostile-client tests cause them on purpose,
// so they say nothing about the double. Anything else the server logs, a
// handler's panic above all, is forwarded.
var hangUpNoise = []string{
	"http: TLS handshake error from ",
	"broken pipe",
	"connection reset by peer",
	"use of closed network connection",
}

// errorLogFilter is the io.Writer behind the server's ErrorLog: it drops
// hang-up noise and forwards every other line to dst. http.Server writes each
// message in one call, a panic's stack included.
type errorLogFilter struct {
	dst *log.Logger
}

func (f errorLogFilter) Write(p []byte) (int, error) {
	msg := string(p)
	for _, noise := range hangUpNoise {
		if strings.Contains(msg, noise) {
			return len(p), nil
		}
	}
	_ = f.dst.Output(2, strings.TrimSuffix(msg, "\n"))
	return len(p), nil
}

// defaultErrorLog is where the server's own errors go unless withErrorLog
// says otherwise.
func defaultErrorLog() *log.Logger {
	return log.New(os.Stderr, "flexapitest: ", log.LstdFlags)
}
