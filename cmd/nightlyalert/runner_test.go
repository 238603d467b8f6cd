package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file is a small runner of GitHub Actions workflows, enough for
// contract-nightly.yml: its steps in order, their if: conditions and
// ${{ }} expressions, continue-on-error, the job summary, and the three
// actions it uses. The workflow test runs the workflow's own run: steps
// with it, night after night.

// workflow is the part of a workflow file the runner reads.
type workflow struct {
	Jobs map[string]struct {
		Steps []workflowStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	Name            string            `yaml:"name"`
	ID              string            `yaml:"id"`
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	Env             map[string]string `yaml:"env"`
	With            map[string]string `yaml:"with"`
	ContinueOnError bool              `yaml:"continue-on-error"`
}

func readWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	return wf
}

// stepResult is what became of one step: GitHub's outcome (before
// continue-on-error) and conclusion (after it), and its log.
type stepResult struct {
	name, outcome, conclusion, log string
}

// jobRun is one run of a job.
type jobRun struct {
	steps []stepResult
	// summary is the job summary: what the steps appended to
	// $GITHUB_STEP_SUMMARY.
	summary string
	failed  bool
}

func (j jobRun) step(name string) stepResult {
	for _, s := range j.steps {
		if s.name == name {
			return s
		}
	}
	return stepResult{name: name, outcome: "absent"}
}

// runner runs a job's steps in a workspace.
type runner struct {
	workspace string
	// env is the runner's environment, the same for every step, before
	// the step's own env.
	env map[string]string
	// ctx is the expression context: github.*, secrets.*, inputs.*.
	ctx map[string]any
	// uses runs an action: it gets the step and its evaluated with:.
	uses func(s workflowStep, with map[string]string) error
	// stepEnv may change a step's environment once evaluated (the double
	// standing in for the sandbox).
	stepEnv func(env map[string]string)
}

func (r *runner) runJob(t *testing.T, steps []workflowStep) jobRun {
	t.Helper()
	var job jobRun
	results := map[string]any{}
	r.ctx["steps"] = results
	for i, s := range steps {
		name := s.Name
		if name == "" {
			name = s.Uses
		}
		cond := s.If
		if cond == "" {
			cond = "success()"
		}
		ok, err := evalCondition(cond, r.ctx, job.failed)
		if err != nil {
			t.Fatalf("step %q: if: %v", name, err)
		}
		if !ok {
			job.steps = append(job.steps, stepResult{name: name, outcome: "skipped", conclusion: "skipped"})
			if s.ID != "" {
				results[s.ID] = map[string]any{"outcome": "skipped", "conclusion": "skipped"}
			}
			continue
		}
		res := stepResult{name: name, outcome: "success"}
		var runErr error
		switch {
		case s.Uses != "":
			with := map[string]string{}
			for k, v := range s.With {
				if with[k], err = substitute(v, r.ctx); err != nil {
					t.Fatalf("step %q: with.%s: %v", name, k, err)
				}
			}
			runErr = r.uses(s, with)
			if runErr != nil {
				res.log = runErr.Error()
			}
		default:
			var summary string
			summary, res.log, runErr = r.runScript(t, i, s)
			job.summary += summary
		}
		if runErr != nil {
			res.outcome = "failure"
		}
		res.conclusion = res.outcome
		if s.ContinueOnError {
			res.conclusion = "success"
		}
		if res.conclusion == "failure" {
			job.failed = true
		}
		if s.ID != "" {
			results[s.ID] = map[string]any{"outcome": res.outcome, "conclusion": res.conclusion}
		}
		job.steps = append(job.steps, res)
	}
	return job
}

// runScript runs a run: step as GitHub's ubuntu runner does (bash -e, in
// the workspace) and returns what it appended to the job summary and its
// log.
func (r *runner) runScript(t *testing.T, i int, s workflowStep) (summary, log string, err error) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	summaryPath := filepath.Join(dir, "summary.md")
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	env["GITHUB_STEP_SUMMARY"] = summaryPath
	for k, v := range s.Env {
		if env[k], err = substitute(v, r.ctx); err != nil {
			t.Fatalf("step %d: env.%s: %v", i, k, err)
		}
	}
	if r.stepEnv != nil {
		r.stepEnv(env)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-e", script)
	cmd.Dir = r.workspace
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	b, _ := os.ReadFile(summaryPath)
	return string(b), string(out), err
}

// The expressions of a workflow: ${{ ... }} in strings, and if:
// conditions, with the operators and status functions the nightly uses.

var templateExpr = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

func substitute(s string, ctx map[string]any) (string, error) {
	var err error
	out := templateExpr.ReplaceAllStringFunc(s, func(m string) string {
		v, e := evalExpr(templateExpr.FindStringSubmatch(m)[1], ctx, false)
		if e != nil {
			err = e
		}
		return exprString(v)
	})
	return out, err
}

func evalCondition(cond string, ctx map[string]any, failed bool) (bool, error) {
	cond = strings.TrimSpace(cond)
	if m := templateExpr.FindStringSubmatch(cond); m != nil && m[0] == cond {
		cond = m[1]
	}
	// A condition without a status function is ANDed with success().
	if !regexp.MustCompile(`\b(always|success|failure|cancelled)\(\)`).MatchString(cond) {
		cond = "success() && (" + cond + ")"
	}
	v, err := evalExpr(cond, ctx, failed)
	return truthy(v), err
}

func exprString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	}
	return true
}

var exprToken = regexp.MustCompile(`\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_.\-]*(?:\(\))?)`)

// evalExpr evaluates an expression: 'strings', true, false, null,
// context paths, always(), success(), failure(), cancelled(), !, ==, !=,
// &&, || and parentheses.
func evalExpr(src string, ctx map[string]any, failed bool) (any, error) {
	var toks []string
	rest := strings.TrimSpace(src)
	for rest != "" {
		m := exprToken.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			return nil, fmt.Errorf("cannot read %q", src)
		}
		toks = append(toks, rest[m[2]:m[3]])
		rest = strings.TrimSpace(rest[m[1]:])
	}
	p := &exprParser{toks: toks, ctx: ctx, failed: failed}
	v, err := p.or()
	if err == nil && p.i != len(toks) {
		err = fmt.Errorf("unexpected %q in %q", toks[p.i], src)
	}
	return v, err
}

type exprParser struct {
	toks   []string
	i      int
	ctx    map[string]any
	failed bool
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *exprParser) or() (any, error) {
	v, err := p.and()
	for err == nil && p.peek() == "||" {
		p.i++
		var w any
		if w, err = p.and(); !truthy(v) {
			v = w
		}
	}
	return v, err
}

func (p *exprParser) and() (any, error) {
	v, err := p.cmp()
	for err == nil && p.peek() == "&&" {
		p.i++
		var w any
		if w, err = p.cmp(); truthy(v) {
			v = w
		}
	}
	return v, err
}

func (p *exprParser) cmp() (any, error) {
	v, err := p.unary()
	if op := p.peek(); err == nil && (op == "==" || op == "!=") {
		p.i++
		var w any
		if w, err = p.unary(); err == nil {
			eq := strings.EqualFold(exprString(v), exprString(w))
			return eq == (op == "=="), nil
		}
	}
	return v, err
}

func (p *exprParser) unary() (any, error) {
	if p.peek() == "!" {
		p.i++
		v, err := p.unary()
		return !truthy(v), err
	}
	return p.primary()
}

func (p *exprParser) primary() (any, error) {
	tok := p.peek()
	p.i++
	switch {
	case tok == "(":
		v, err := p.or()
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.i++
		return v, err
	case strings.HasPrefix(tok, "'"):
		return strings.ReplaceAll(tok[1:len(tok)-1], "''", "'"), nil
	case tok == "true", tok == "false":
		return tok == "true", nil
	case tok == "null":
		return nil, nil
	case tok == "always()":
		return true, nil
	case tok == "success()":
		return !p.failed, nil
	case tok == "failure()":
		return p.failed, nil
	case tok == "cancelled()":
		return false, nil
	case tok == "" || strings.HasSuffix(tok, "()"):
		return nil, fmt.Errorf("unexpected %q", tok)
	}
	var v any = p.ctx
	for _, part := range strings.Split(tok, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil
		}
		v = m[part]
	}
	return v, nil
}
