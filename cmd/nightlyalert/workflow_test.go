package main

import (
	"maps"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The nightly workflow runs nightlyalert with the least permissions it
// needs: none by default, and for the job only reading the code and the
// previous artifact and writing issues.
func TestTheNightlyWorkflowAsksForTheLeastPermissions(t *testing.T) {
	b, err := os.ReadFile("../../.github/workflows/contract-nightly.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
				With map[string]any    `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.Permissions) != 0 {
		t.Errorf("the workflow's default permissions are %v, want none", wf.Permissions)
	}
	job, ok := wf.Jobs["contract"]
	if !ok {
		t.Fatal("no contract job")
	}
	want := map[string]string{"contents": "read", "actions": "read", "issues": "write"}
	if !maps.Equal(job.Permissions, want) {
		t.Errorf("the job's permissions are %v, want %v", job.Permissions, want)
	}
	alerts := 0
	for _, s := range job.Steps {
		if strings.Contains(s.Run, "./cmd/nightlyalert") {
			alerts++
			if s.Env["GITHUB_TOKEN"] != "${{ github.token }}" {
				t.Errorf("nightlyalert runs with GITHUB_TOKEN=%q, want the job's own token", s.Env["GITHUB_TOKEN"])
			}
		}
		for k, v := range s.Env {
			if strings.Contains(v, "secrets.") && !strings.HasPrefix(k, "FLEXFACTOR_") {
				t.Errorf("a step hands the secret %s to %s", v, k)
			}
		}
	}
	if alerts != 1 {
		t.Errorf("nightlyalert runs in %d steps, want 1", alerts)
	}
}
