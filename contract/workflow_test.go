package contract

import (
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTheNightlyRunsTheLifecycleAgainstTheSandbox: the nightly's sandbox
// run makes its own keys (ground truth), and only the sandbox: never
// production.
func TestTheNightlyRunsTheLifecycleAgainstTheSandbox(t *testing.T) {
	b, err := os.ReadFile("../.github/workflows/contract-nightly.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	sandboxRuns := 0
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			env, ok := s.Env[EnvEnvironment]
			if !ok {
				continue
			}
			if env != "sandbox" {
				t.Errorf("step %q runs against %s=%s", s.Name, EnvEnvironment, env)
			}
			sandboxRuns++
			if s.Env[EnvLifecycle] != "1" {
				t.Errorf("step %q runs against the sandbox without %s=1", s.Name, EnvLifecycle)
			}
		}
	}
	if sandboxRuns != 1 {
		t.Errorf("%d steps run against the sandbox, want 1", sandboxRuns)
	}
}
