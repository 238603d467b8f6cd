package flexapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/flexcontract/flexfactor-apikeys/flexapi"
)

// TestNoSecretReachesALog: a created key, a Client holding a static token or
// an AppSecret, copies of them, and the slices, maps and structs that hold
// them show no secret, in hex neither, through any fmt verb, json.Marshal,
// or slog's text and JSON handlers.
func TestNoSecretReachesALog(t *testing.T) {
	k := newKeyServer(t)
	k.create = func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusCreated, createdBody("key_1"))
	}
	tokenClient := k.client(t)
	key, err := tokenClient.CreateAPIKey(context.Background(), secretKey)
	if err != nil {
		t.Fatal(err)
	}
	credClient := mustNew(t, flexapi.WithBaseURL(k.srv.URL+"/v1"), flexapi.WithCredentials(appKey, appSecret))
	holders := []any{
		key, *key, []flexapi.CreatedAPIKey{*key}, []*flexapi.CreatedAPIKey{key},
		map[string]flexapi.CreatedAPIKey{"k": *key}, map[flexapi.KeyValue]int{key.Value: 1},
		key.Value, &key.Value, [1]flexapi.KeyValue{key.Value},
		tokenClient, *tokenClient, credClient, *credClient, []flexapi.Client{*tokenClient, *credClient},
		map[string]*flexapi.Client{"c": credClient},
		struct {
			K flexapi.CreatedAPIKey
			C flexapi.Client
		}{*key, *credClient},
	}
	var canaries []string
	for _, s := range []string{canaryPart, staticTok, appSecret} {
		canaries = append(canaries, s, fmt.Sprintf("%x", s), fmt.Sprintf("%X", s))
	}
	for i, v := range holders {
		var outs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		b, _ := json.Marshal(v)
		var logs bytes.Buffer
		slog.New(slog.NewTextHandler(&logs, nil)).Info("held", "v", v)
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("held", "v", v)
		outs = append(outs, string(b), logs.String())
		for _, out := range outs {
			for _, canary := range canaries {
				if strings.Contains(out, canary) {
					t.Errorf("holder %d (%T) shows %q: %s", i, v, canary, out)
				}
			}
		}
	}
}
