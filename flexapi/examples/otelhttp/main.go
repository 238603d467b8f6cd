// Command otelhttp shows the flexapi client traced by OpenTelemetry's
// otelhttp: WithTransportWrapper puts otelhttp around the client's own
// transport, so every attempt, retries and the token exchange included, is
// a client span, named by the spec's route template (flexapi.Route), never
// by a mid or a key id. It runs against the FlexFactor double and prints
// the spans; a service exports them instead (OTLP, stdout).
//
// It is a module of its own: OpenTelemetry is no dependency of flexapi.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// traced wraps the client's transport in otelhttp, naming each span by its
// method and route template.
func traced(tp *sdktrace.TracerProvider) flexapi.Option {
	return flexapi.WithTransportWrapper(func(next http.RoundTripper) http.RoundTripper {
		return otelhttp.NewTransport(next,
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
				route, _ := flexapi.Route(r)
				return r.Method + " " + route
			}))
	})
}

// run lists, creates and revokes a key on the double and prints each
// span's name and status code.
func run(w io.Writer) error {
	srv := flexapitest.NewServer()
	defer srv.Close()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	ctx := context.Background()
	defer func() { _ = tp.Shutdown(ctx) }()

	client := srv.Client(traced(tp))
	defer client.CloseIdleConnections()
	if _, err := client.ListAPIKeys(ctx, flexapitest.DefaultMID); err != nil {
		return err
	}
	key, err := client.CreateAPIKey(ctx, flexapi.NewAPIKey{MID: flexapitest.DefaultMID, Name: "traced", Type: flexapi.NewAPIKeyTypeSecret})
	if err != nil {
		return err
	}
	if err := client.RevokeAPIKey(ctx, key.ID); err != nil {
		return err
	}
	for _, s := range spans.GetSpans() {
		status := "-"
		for _, a := range s.Attributes {
			if a.Key == "http.response.status_code" {
				status = a.Value.Emit()
			}
		}
		fmt.Fprintf(w, "%s %s\n", s.Name, status)
	}
	return nil
}
