package apikeys_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/flexapi/flexapitest"
)

// A console block of the docs: commands after "$ " (continued by a trailing
// backslash) and the output the page shows for each.
type consoleStep struct {
	command, output string
}

// consoleBlocks returns page's ```console blocks, each as its steps.
func consoleBlocks(t *testing.T, page string) [][]consoleStep {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]consoleStep
	for _, m := range regexp.MustCompile("(?s)```console\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		var steps []consoleStep
		lines := strings.Split(strings.TrimRight(m[1], "\n"), "\n")
		for i := 0; i < len(lines); i++ {
			cmd, ok := strings.CutPrefix(lines[i], "$ ")
			if !ok {
				if len(steps) == 0 {
					t.Fatalf("%s: a console block starts with %q, not a command", page, lines[i])
				}
				steps[len(steps)-1].output += lines[i] + "\n"
				continue
			}
			for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
				i++
				cmd += "\n" + lines[i]
			}
			steps = append(steps, consoleStep{command: cmd})
		}
		for i := range steps {
			steps[i].output = strings.TrimRight(steps[i].output, "\n")
		}
		blocks = append(blocks, steps)
	}
	return blocks
}

// volatile are the parts of the double's answers that change from run to
// run, each replaced by a placeholder on both sides of a comparison.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"(accessToken|refreshToken|id|traceId)":"[^"]*"`), `"$1":"…"`},
	{regexp.MustCompile(`"expires":\d+`), `"expires":…`},
	{regexp.MustCompile(`"value":"([a-z]+_[a-z]+_)[^"]*"`), `"value":"$1…"`},
	{regexp.MustCompile(`"created_at":"20(2[5-9]|[3-9]\d)-[^"]*"`), `"created_at":"…"`},
	{regexp.MustCompile(`(?m)^Date: .*$`), `Date: …`},
	{regexp.MustCompile(`key_[0-9a-f]{6,}`), `key_…`},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), `127.0.0.1:8080`},
}

func normalizeOutput(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// matchesDoc reports whether actual output is what the page shows, where
// the page's "..." and "…" stand for anything.
func matchesDoc(doc, actual string) bool {
	doc, actual = normalizeOutput(doc), normalizeOutput(actual)
	parts := regexp.MustCompile(`\.\.\.|…`).Split(doc, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?s)\A` + strings.Join(parts, ".*?") + `\z`).MatchString(actual)
}

// TestDoubleSessionsAsDocumented runs docs/double.md's console sessions as
// written against `make mock` on a free port: the banner, then each curl
// command in order in one shell environment, and compares every output
// with the page's, up to what changes from run to run (tokens, ids, dates,
// the port) and the page's own ellipses.
func TestDoubleSessionsAsDocumented(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the double through make")
	}
	blocks := consoleBlocks(t, "docs/double.md")
	if len(blocks) < 2 || blocks[0][0].command != "make mock" {
		t.Fatalf("docs/double.md: want a `$ make mock` session and curl sessions, found %d blocks", len(blocks))
	}

	cmd := exec.Command("make", "--no-print-directory", "mock", "MOCK_FLAGS=-addr 127.0.0.1:0 -quiet")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	banner := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Stop with") {
				break
			}
		}
		banner <- b.String()
		for sc.Scan() {
		}
	}()
	var got string
	select {
	case got = <-banner:
	case <-time.After(2 * time.Minute):
		t.Fatal("make mock printed no banner")
	}
	got = strings.TrimRight(got, "\n")
	if want := blocks[0][0].output; !matchesDoc(want, got) {
		t.Errorf("`make mock` prints\n%s\ndocs/double.md shows\n%s", got, want)
	}
	host := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(got)
	if host == "" {
		t.Fatalf("no address in the banner:\n%s", got)
	}

	// One shell environment for every session, as a reader's terminal.
	token := ""
	renamed := map[string]string{} // the page's id and last four -> this run's
	for _, block := range blocks[1:] {
		for _, step := range block {
			command := step.command
			if name, _, ok := strings.Cut(command, "="); ok && name == "TOKEN" {
				if token == "" {
					t.Fatalf("docs/double.md sets TOKEN before any token call: %s", command)
				}
				continue
			}
			expected := step.output
			for from, to := range renamed {
				command = strings.ReplaceAll(command, from, to)
				expected = strings.ReplaceAll(expected, from, to)
			}
			command = strings.ReplaceAll(command, "127.0.0.1:8080", host)
			run := exec.Command("bash", "-c", command)
			run.Env = append(os.Environ(), "TOKEN="+token, "no_proxy=*", "NO_PROXY=*")
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", step.command, err, out)
			}
			actual := strings.TrimRight(string(out), "\n")
			if !matchesDoc(expected, actual) {
				t.Errorf("$ %s\nanswers\n%s\ndocs/double.md shows\n%s", step.command, actual, expected)
			}
			var answer struct {
				AccessToken string `json:"accessToken"`
				ID          string `json:"id"`
				Value       string `json:"value"`
			}
			if json.Unmarshal(out, &answer) != nil {
				continue
			}
			if answer.AccessToken != "" {
				token = answer.AccessToken
			}
			if strings.HasPrefix(answer.ID, "key_") && len(answer.Value) > 4 {
				var shown struct{ ID, Value string }
				if err := json.Unmarshal([]byte(step.output), &shown); err != nil {
					t.Fatalf("the page's create answer is not JSON: %v", err)
				}
				renamed[shown.ID] = answer.ID
				renamed[`"last_four":"`+shown.Value[len(shown.Value)-4:]+`"`] = `"last_four":"` + answer.Value[len(answer.Value)-4:] + `"`
			}
		}
	}
	if token == "" {
		t.Error("no session of docs/double.md got a token")
	}
}

// docCommands returns every command line of the ```sh and ```console
// blocks of the README and the docs pages, continuation lines joined,
// with the page it is on.
func docCommands(t *testing.T) map[string][]string {
	t.Helper()
	cmds := map[string][]string{}
	block := regexp.MustCompile("(?s)```(sh|console)\n(.*?)```")
	for _, page := range docPages(t) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(b), -1) {
			text := strings.ReplaceAll(m[2], "\\\n", " ")
			for _, line := range strings.Split(text, "\n") {
				if m[1] == "console" {
					var ok bool
					if line, ok = strings.CutPrefix(line, "$ "); !ok {
						continue
					}
				}
				if code, _, found := strings.Cut(line, " #"); found {
					line = code // a comment for the reader
				}
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					cmds[page] = append(cmds[page], line)
				}
			}
		}
	}
	return cmds
}

// TestDocCommandsExist checks what every command the docs show names: each
// make target is in the Makefile, each ./cmd program exists and has the
// flags given to it, each FLEXFACTOR_* variable is one the contract suite
// reads, each .ci/ script exists. The sessions themselves run in
// TestDoubleSessionsAsDocumented, TestOtherTeamsClientCommandsRun and the
// Makefile's own tests.
func TestDocCommandsExist(t *testing.T) {
	targets := map[string]bool{}
	for _, name := range makefileTargets(t) {
		targets[name] = true
	}
	contractEnv := map[string]bool{}
	goFiles, _ := filepath.Glob("contract/*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(FLEXFACTOR_[A-Z_]+)"`).FindAllStringSubmatch(string(b), -1) {
			contractEnv[m[1]] = true
		}
	}
	flagsOf := func(program string) string {
		var all strings.Builder
		files, _ := filepath.Glob(filepath.Join(program, "*.go"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			all.Write(b)
		}
		return all.String()
	}
	hasFlag := func(program, flag string) bool {
		return regexp.MustCompile(`\.(String|Int|Bool|Duration|Var|Func|BoolFunc|TextVar|Float64|Uint)\("` + regexp.QuoteMeta(flag) + `"`).MatchString(flagsOf(program))
	}
	makeCall := regexp.MustCompile(`(?:^|[;&|]\s*|\s)make\s+([a-z][a-z-]*)`)
	program := regexp.MustCompile(`go (?:run|build)(?: -o \S+)? \./(cmd/[a-z-]+)((?: [^|;&#]*)?)`)
	mockFlags := regexp.MustCompile(`MOCK_FLAGS=["']([^"']*)["']`)
	flag := regexp.MustCompile(`(?:^|\s)-([a-z][a-z-]*)`)
	envVar := regexp.MustCompile(`\bFLEXFACTOR_[A-Z_]+\b`)
	script := regexp.MustCompile(`(?:^|\s)(\.ci/\S+)`)
	checked := 0
	for page, lines := range docCommands(t) {
		for _, line := range lines {
			for _, m := range makeCall.FindAllStringSubmatch(line, -1) {
				checked++
				if !targets[m[1]] {
					t.Errorf("%s: `%s` names make target %q, which the Makefile does not have", page, line, m[1])
				}
			}
			for _, m := range program.FindAllStringSubmatch(line, -1) {
				checked++
				if _, err := os.Stat(m[1]); err != nil {
					t.Errorf("%s: `%s` names %s, which does not exist", page, line, m[1])
					continue
				}
				for _, f := range flag.FindAllStringSubmatch(m[2], -1) {
					if !hasFlag(m[1], f[1]) {
						t.Errorf("%s: `%s` gives %s the flag -%s, which it does not define", page, line, m[1], f[1])
					}
				}
			}
			for _, m := range mockFlags.FindAllStringSubmatch(line, -1) {
				for _, f := range flag.FindAllStringSubmatch(m[1], -1) {
					checked++
					if !hasFlag("cmd/flexfactor-mock", f[1]) {
						t.Errorf("%s: `%s` gives the double the flag -%s, which it does not define", page, line, f[1])
					}
				}
			}
			for _, v := range envVar.FindAllString(line, -1) {
				checked++
				if !contractEnv[v] {
					t.Errorf("%s: `%s` sets %s, which the contract suite does not read", page, line, v)
				}
			}
			for _, m := range script.FindAllStringSubmatch(line, -1) {
				checked++
				if _, err := os.Stat(strings.TrimRight(m[1], "/")); err != nil {
					t.Errorf("%s: `%s` names %s, which does not exist", page, line, m[1])
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d names checked in the docs' commands: the parsing has broken", checked)
	}
}

// TestDoubleDataFileExampleLoads loads docs/double.md's data file example as
// the double's -data flag would.
func TestDoubleDataFileExampleLoads(t *testing.T) {
	b, err := os.ReadFile("docs/double.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("docs/double.md has no yaml data file example")
	}
	data, err := flexapitest.ParseData("keys.yaml", []byte(m[1]))
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if len(data.MIDs()) == 0 {
		t.Error("the example holds no merchant")
	}
}
