package contract

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/oapi"
)

func envOf(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		mode    targetMode
		base    string
		wantErr []string // each must appear in the error
	}{
		{name: "nothing set: the double", mode: modeDouble},
		{name: "loopback http with token and mid", env: []string{EnvBaseURL, "http://127.0.0.1:8080/v1/", EnvToken, "tok_secret_value", EnvMID, "m"},
			mode: modeLive, base: "http://127.0.0.1:8080/v1"},
		{name: "sandbox with app credentials", env: []string{EnvEnvironment, "sandbox", EnvAppKey, "k", EnvAppSecret, "s", EnvMID, "m"},
			mode: modeLive, base: oapi.ServerURLSandbox},
		{name: "live without credentials or mid", env: []string{EnvEnvironment, "sandbox"},
			mode: modeLive, wantErr: []string{EnvMID, EnvToken, EnvAppKey}},
		{name: "app key without secret", env: []string{EnvBaseURL, "https://example.test/v1", EnvAppKey, "k", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAppSecret}},
		{name: "production not allowed", env: []string{EnvEnvironment, "production", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "production allowed", env: []string{EnvEnvironment, "production", EnvToken, "t", EnvMID, "m", EnvAllowProduction, "1"},
			mode: modeLive, base: oapi.ServerURLProduction},
		{name: "production through the base URL", env: []string{EnvBaseURL, oapi.ServerURLProduction, EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "production with a trailing dot", env: []string{EnvBaseURL, "https://api.flex-charge.com./v1", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "production in capitals", env: []string{EnvBaseURL, "https://API.Flex-Charge.COM/v1", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "production with its port", env: []string{EnvBaseURL, "https://api.flex-charge.com:443/v1", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "production with a trailing dot and a port", env: []string{EnvBaseURL, "https://API.flex-charge.com.:443/v1", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvAllowProduction}},
		{name: "plain http off loopback", env: []string{EnvBaseURL, "http://example.test/v1", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{"loopback"}},
		{name: "credentials without a target", env: []string{EnvToken, "t"},
			mode: modeDouble, wantErr: []string{EnvToken, EnvBaseURL}},
		{name: "unknown environment", env: []string{EnvEnvironment, "staging", EnvToken, "t", EnvMID, "m"},
			mode: modeLive, wantErr: []string{EnvEnvironment}},
		{name: "both base URL and environment", env: []string{EnvEnvironment, "sandbox", EnvBaseURL, "https://x.test/v1", EnvToken, "t", EnvMID, "m"},
			wantErr: []string{"not both"}},
		{name: "bad budget", env: []string{EnvMaxRequests, "0"}, wantErr: []string{EnvMaxRequests}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configFromEnv(envOf(tt.env...))
			if len(tt.wantErr) > 0 {
				var cerr *configError
				if !errors.As(err, &cerr) {
					t.Fatalf("err = %v, want a ConfigError", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Mode != tt.mode || cfg.BaseURL != tt.base {
				t.Errorf("mode %v base %q, want %v %q", cfg.Mode, cfg.BaseURL, tt.mode, tt.base)
			}
		})
	}
}

func TestConfigStringRedactsSecrets(t *testing.T) {
	for _, env := range [][]string{
		{EnvBaseURL, "https://x.test/v1", EnvToken, "tok_0123456789secret", EnvMID, "m"},
		{EnvEnvironment, "sandbox", EnvAppKey, "app_key_public_id", EnvAppSecret, "app_0123456789secret", EnvMID, "m"},
	} {
		cfg, err := configFromEnv(envOf(env...))
		if err != nil {
			t.Fatal(err)
		}
		s := cfg.String()
		if strings.Contains(s, "0123456789secret") {
			t.Errorf("String() carries a secret: %s", s)
		}
		if !strings.Contains(s, "[redacted]") {
			t.Errorf("String() does not say the credentials are redacted: %s", s)
		}
	}
}

// TestSetupTimeoutFollowsTheRequestTimeout: the suite's setup sends the
// token call and a few more, one after another; each may take the whole
// FLEXFACTOR_REQUEST_TIMEOUT, so the setup's bound grows with it (it was a
// fixed minute, which cut a 90s token call short), and the node timeout
// declared before the configuration is read covers the longest accepted.
func TestSetupTimeoutFollowsTheRequestTimeout(t *testing.T) {
	for _, v := range []string{"1s", "15s", "90s", "5m"} {
		cfg, err := configFromEnv(envOf(EnvRequestTimeout, v))
		if err != nil {
			t.Fatal(err)
		}
		if min := time.Duration(setupRequests) * cfg.RequestTimeout; cfg.SetupTimeout() < min {
			t.Errorf("%s=%s: setup bounded at %s, want at least %d requests of %s", EnvRequestTimeout, v,
				cfg.SetupTimeout(), setupRequests, cfg.RequestTimeout)
		}
		if cfg.SetupTimeout() > maxSetupTimeout {
			t.Errorf("%s=%s: setup bounded at %s, beyond the node timeout %s", EnvRequestTimeout, v, cfg.SetupTimeout(), maxSetupTimeout)
		}
	}
	if _, err := configFromEnv(envOf(EnvRequestTimeout, (maxRequestTimeout + time.Second).String())); err == nil {
		t.Errorf("a request timeout beyond %s was accepted", maxRequestTimeout)
	}
}
