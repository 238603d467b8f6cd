package flexapitest_test

import (
	"bytes"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// lockedBuffer is a bytes.Buffer the server's goroutines may write while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAHandlerPanicReachesTheErrorLog(t *testing.T) {
	var logged lockedBuffer
	srv, _ := newFake(t,
		flexapitest.WithErrorLog(log.New(&logged, "", 0)),
		// The hook runs in the handler, so its panic is a handler's panic.
		flexapitest.WithRequestHook(func(flexapitest.Request) { panic("the hook broke") }),
	)
	// The answer is sent before the hook runs; the panic comes after it.
	_, _ = send(t.Context(), srv, http.MethodGet, "/v1/api-keys/mid_123456", nil, "")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logged.String(), "the hook broke") {
		if time.Now().After(deadline) {
			t.Fatalf("the panic did not reach the error log; it holds %q", logged.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logged.String(), "http: panic serving") {
		t.Errorf("the error log lacks net/http's panic line: %q", logged.String())
	}
}

func TestWithErrorLogRejectsNil(t *testing.T) {
	if _, err := flexapitest.Start(flexapitest.WithErrorLog(nil)); err == nil {
		t.Fatal("Start(WithErrorLog(nil)) succeeded")
	}
}
