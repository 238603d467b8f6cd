package contract

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestWireClientSpeaksHTTP1OverTLS: over HTTP/2, net/http resends a request
// on a stream the server refused, a second request that the budget and
// Exchange.Attempts would count as one. The wire client speaks HTTP/1.1
// even to a server that offers h2.
func TestWireClientSpeaksHTTP1OverTLS(t *testing.T) {
	protos := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys": []}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	c := NewWireClient(srv.URL+"/v1", 5*time.Second, 10)
	defer c.Close()
	// Trusting the test certificate takes a TLS config, which on its own
	// would turn net/http's automatic HTTP/2 off; ForceAttemptHTTP2 turns
	// it back on, as it is for the sandbox's public certificate.
	tr := c.http.Transport.(*http.Transport)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	tr.ForceAttemptHTTP2 = true

	ex, err := c.ListAPIKeys(context.Background(), "mid_123456", noAuth())
	if err != nil {
		t.Fatal(err)
	}
	if got := <-protos; got != "HTTP/1.1" {
		t.Errorf("the server got %s: want HTTP/1.1", got)
	}
	if ex.Attempts != 1 {
		t.Errorf("attempts %d, want 1", ex.Attempts)
	}
}
