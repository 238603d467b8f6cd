package contract

import (
	"strings"
	"testing"
)

// TestLifecycleConfig: on by default against the double, on a live target
// only when asked, refused for production however its host is spelled,
// even where production itself is allowed, and with the budget it needs.
func TestLifecycleConfig(t *testing.T) {
	live := []string{EnvToken, "t", EnvMID, "m", EnvAllowProduction, "1"}
	tests := []struct {
		name      string
		env       []string
		lifecycle bool
		budget    int
		wantErr   string
	}{
		{name: "the double: on", lifecycle: true, budget: defaultMaxRequests + lifecycleRequests + negativeRequests},
		{name: "the double, turned off", env: []string{EnvLifecycle, "0"}, budget: defaultMaxRequests},
		{name: "live: off by default", env: append([]string{EnvBaseURL, "http://127.0.0.1:8080/v1"}, live...), budget: defaultMaxRequests},
		{name: "live, asked for", env: append([]string{EnvBaseURL, "http://127.0.0.1:8080/v1", EnvLifecycle, "1"}, live...),
			lifecycle: true, budget: defaultMaxRequests + lifecycleRequests + negativeRequests},
		{name: "live, asked for, with a budget set", env: append([]string{EnvBaseURL, "http://127.0.0.1:8080/v1", EnvLifecycle, "1", EnvMaxRequests, "40"}, live...),
			lifecycle: true, budget: 40},
		{name: "production", env: append([]string{EnvEnvironment, "production", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "production in capitals", env: append([]string{EnvBaseURL, "https://API.FLEX-CHARGE.COM/v1", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "production with trailing dots", env: append([]string{EnvBaseURL, "https://api.flex-charge.com../v1", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "production with a port", env: append([]string{EnvBaseURL, "https://Api.Flex-Charge.com.:8443/v1", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "production with ideographic full stops", env: append([]string{EnvBaseURL, "https://api\u3002flex-charge\u3002com/v1", EnvLifecycle, "1"}, live...), wantErr: "ASCII"},
		{name: "production with full-width dots", env: append([]string{EnvBaseURL, "https://api\uff0eflex-charge\uff0ecom/v1", EnvLifecycle, "1"}, live...), wantErr: "ASCII"},
		{name: "production with full-width letters", env: append([]string{EnvBaseURL, "https://\uff21\uff30\uff29.flex-charge.com/v1", EnvLifecycle, "1"}, live...), wantErr: "ASCII"},
		{name: "production with a ligature", env: append([]string{EnvBaseURL, "https://api.\ufb02ex-charge.com/v1", EnvLifecycle, "1"}, live...), wantErr: "ASCII"},
		{name: "production's flexfactor.io host", env: append([]string{EnvBaseURL, "https://api.flexfactor.io/v1", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "a sweep in production", env: append([]string{EnvEnvironment, "production", EnvSweep, "1", EnvLifecycle, "1"}, live...), wantErr: "refused there"},
		{name: "a sweep without the lifecycle", env: append([]string{EnvBaseURL, "http://127.0.0.1:8080/v1", EnvSweep, "1"}, live...), wantErr: EnvSweep + "=1 needs " + EnvLifecycle},
		{name: "a bad value", env: []string{EnvLifecycle, "maybe"}, wantErr: EnvLifecycle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configFromEnv(envOf(tt.env...))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Lifecycle != tt.lifecycle || cfg.MaxRequests != tt.budget {
				t.Errorf("lifecycle %v, budget %d; want %v, %d", cfg.Lifecycle, cfg.MaxRequests, tt.lifecycle, tt.budget)
			}
		})
	}
}
