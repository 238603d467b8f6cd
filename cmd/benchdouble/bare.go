package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// canned holds the double's answers, recorded at the start of a run, for
// the bare handler to serve byte for byte.
type canned struct {
	Token, List, Unauthorized cannedAnswer
	// Bearer is the Authorization header the list call must carry.
	Bearer string
}

type cannedAnswer struct {
	ContentType string
	Body        []byte
}

// serveBare is the -serve-bare mode: the least a Go server can do to give
// the same answers as the double. It reads the answers from stdin, prints
// its base URL, and serves until SIGTERM or SIGINT.
func serveBare() error {
	var c canned
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil {
		return fmt.Errorf("bare: reading the answers: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: bareHandler(c), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Printf("bare: serving http://%s/v1\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// bareHandler routes by path and method, checks the bearer token by
// comparison, reads a token call's body, and writes pre-built answers.
func bareHandler(c canned) http.Handler {
	write := func(w http.ResponseWriter, status int, a cannedAnswer) {
		h := w.Header()
		h["Content-Type"] = []string{a.ContentType}
		h["Content-Length"] = []string{strconv.Itoa(len(a.Body))}
		w.WriteHeader(status)
		_, _ = w.Write(a.Body)
	}
	notFound := cannedAnswer{ContentType: "application/json; charset=utf-8", Body: []byte(`{"errors":["No such endpoint."]}`)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/oauth2/token":
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
			write(w, http.StatusOK, c.Token)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/api-keys/"):
			if r.Header.Get("Authorization") != c.Bearer {
				write(w, http.StatusUnauthorized, c.Unauthorized)
				return
			}
			write(w, http.StatusOK, c.List)
		default:
			write(w, http.StatusNotFound, notFound)
		}
	})
}
