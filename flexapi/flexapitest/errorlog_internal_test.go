package flexapitest

import (
	"bytes"
	"log"
	"testing"
)

func TestErrorLogFilterDropsHangUpNoiseOnly(t *testing.T) {
	var out bytes.Buffer
	l := log.New(errorLogFilter{dst: log.New(&out, "", 0)}, "", 0)
	l.Print("http: TLS handshake error from 127.0.0.1:5555: EOF")
	l.Print("write tcp 127.0.0.1:8080->127.0.0.1:5555: write: broken pipe")
	l.Print("read tcp 127.0.0.1:8080->127.0.0.1:5555: read: connection reset by peer")
	if out.Len() != 0 {
		t.Errorf("hang-up noise was forwarded: %q", out.String())
	}
	l.Print("http: panic serving 127.0.0.1:5555: boom\ngoroutine 7 [running]:")
	l.Print("http: Accept error: too many open files; retrying in 5ms")
	want := "http: panic serving 127.0.0.1:5555: boom\ngoroutine 7 [running]:\n" +
		"http: Accept error: too many open files; retrying in 5ms\n"
	if out.String() != want {
		t.Errorf("forwarded %q, want %q", out.String(), want)
	}
}
