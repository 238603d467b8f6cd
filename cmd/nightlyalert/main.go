// Command nightlyalert tells a person about the contract nightly through
// one GitHub issue labelled contract-drift. On a red, inconclusive or
// drifted night it opens the issue, titled with the first cause, with the
// report's first lines, the reproduction of each failed check (the token
// call from $FLEXFACTOR_APP_KEY and $FLEXFACTOR_APP_SECRET, its curl
// commands and its ginkgo --focus line) and a link to the run, or, when one is open already, comments on it and updates its
// title: never a second issue. On the next green night it comments and
// closes it. A green night with no open issue does nothing.
//
//	nightlyalert -report reports/contract-report.md -run-url URL \
//	    [-previous previous/observations.json -current reports/observations.json]
//
// The night drifted when contractdiff would say so: a change that matters
// between the previous and the current observations, the previous night
// green (after a red night, the changes are the way back). It reads GITHUB_TOKEN,
// GITHUB_REPOSITORY (owner/name) and GITHUB_API_URL (https://api.github.com
// by default) from the environment; the token needs issues: write and
// nothing else. It never prints the token.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// Label marks the one issue nightlyalert keeps.
const Label = "contract-drift"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// A night is what nightlyalert knows of one run.
type night struct {
	verdict   string // the report's first line, without "# "
	readFirst string
	drift     []report.Change // the changes that matter since the previous night
	// reproduce is the report's section of reproductions, without its
	// heading, at most maxReproduce bytes; "" when no check failed.
	reproduce string
	runURL    string
}

// maxReproduce bounds the reproductions an issue carries: GitHub takes
// 65536 characters in a body, and the report has them all.
const maxReproduce = 16 << 10

// red says whether the night needs a person: not PASSED, or drifted.
func (n night) red() bool {
	return !strings.HasPrefix(n.verdict, report.VerdictPassed) || len(n.drift) > 0
}

// maxTitle is the longest title GitHub takes, in characters.
const maxTitle = 256

// title names the first cause: the first failure's words, the broken
// target's or inconclusive run's cause, or the first change that matters;
// cut to what GitHub takes.
func (n night) title() string {
	title := "Contract nightly: " + strings.TrimPrefix(n.verdict, report.VerdictFailed+": ")
	if strings.HasPrefix(n.verdict, report.VerdictPassed) {
		title = "Contract nightly: the sandbox drifted: " + n.drift[0].String()
		if len(n.drift) > 1 {
			title += fmt.Sprintf(" (and %d more)", len(n.drift)-1)
		}
	}
	if r := []rune(title); len(r) > maxTitle {
		title = string(r[:maxTitle-1]) + "…"
	}
	return title
}

func (n night) body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n", n.verdict)
	if n.readFirst != "" {
		fmt.Fprintf(&b, "Read first: %s\n\n", n.readFirst)
	}
	if len(n.drift) > 0 {
		b.WriteString("Changed since the previous night:\n\n")
		for _, c := range n.drift {
			fmt.Fprintf(&b, "- %s\n", c)
		}
		b.WriteString("\n")
	}
	if n.reproduce != "" {
		b.WriteString("To see it fail again:\n\n" + n.reproduce + "\n")
	}
	fmt.Fprintf(&b, "The run, its report and its artifacts: %s\n", n.runURL)
	return b.String()
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nightlyalert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reportPath := fs.String("report", "", "the night's contract-report.md")
	previous := fs.String("previous", "", "the previous night's observations.json (optional; a missing file means no history)")
	current := fs.String("current", "", "this night's observations.json")
	runURL := fs.String("run-url", "", "the link to this night's run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *reportPath == "" || *runURL == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: nightlyalert -report REPORT.md -run-url URL [-previous PREV.json -current CUR.json]")
		return 2
	}
	n, err := readNight(*reportPath, *previous, *current)
	if err != nil {
		fmt.Fprintln(stderr, "nightlyalert:", err)
		return 1
	}
	n.runURL = *runURL
	gh, err := newGitHub(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "nightlyalert:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	did, err := alert(ctx, gh, n)
	if err != nil {
		fmt.Fprintln(stderr, "nightlyalert:", err)
		return 1
	}
	fmt.Fprintln(stdout, "nightlyalert:", did)
	return 0
}

// readNight reads the verdict and the line to read first (the report's
// first two paragraphs) and, given both observation files, the drift.
func readNight(reportPath, previous, current string) (night, error) {
	f, err := os.Open(reportPath)
	if errors.Is(err, os.ErrNotExist) {
		// The run died before it wrote a report: still a red night.
		return night{verdict: report.VerdictFailed + ": the contract run wrote no report", readFirst: "the job's log"}, nil
	}
	if err != nil {
		return night{}, err
	}
	defer f.Close()
	var n night
	var reproduce strings.Builder
	inReproduce, cut := false, false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case n.verdict == "" && strings.HasPrefix(line, "# "):
			n.verdict = strings.TrimPrefix(line, "# ")
		case n.readFirst == "" && strings.HasPrefix(line, "**Read first:** "):
			n.readFirst = strings.TrimPrefix(line, "**Read first:** ")
		case line == report.ReproduceHeading:
			inReproduce = true
		case inReproduce && strings.HasPrefix(line, "## "):
			inReproduce = false
		case inReproduce && !cut:
			if reproduce.Len()+len(line)+1 > maxReproduce {
				// Never a cut inside a code block: the issue would show
				// the rest of its body as code.
				if strings.Count(reproduce.String(), "```")%2 == 1 {
					reproduce.WriteString("```\n")
				}
				reproduce.WriteString("\n(more in the run's report)\n")
				cut = true
				continue
			}
			reproduce.WriteString(line + "\n")
		}
	}
	n.reproduce = strings.TrimSpace(reproduce.String())
	if n.verdict == "" {
		return night{}, fmt.Errorf("%s has no verdict line", reportPath)
	}
	if previous == "" || current == "" {
		return n, nil
	}
	if _, err := os.Stat(previous); errors.Is(err, os.ErrNotExist) {
		return n, nil // the first night, or the previous artifact expired
	}
	before, err := report.ReadObservations(previous)
	if err != nil {
		return night{}, err
	}
	after, err := report.ReadObservations(current)
	if err != nil {
		return night{}, err
	}
	if before.Verdict.Kind != report.VerdictPassed {
		// The previous night was red and its issue is open: what changed
		// since is the way back, which a green night closes the issue on.
		return n, nil
	}
	for _, c := range report.Diff(before, after) {
		if c.Matters {
			n.drift = append(n.drift, c)
		}
	}
	return n, nil
}

// alert applies the night to the contract-drift issue and says what it did.
func alert(ctx context.Context, gh *gitHub, n night) (string, error) {
	open, err := gh.openIssues(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case n.red() && len(open) == 0:
		num, err := gh.createIssue(ctx, n.title(), n.body())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("opened issue #%d: %s", num, n.verdict), nil
	case n.red():
		num := open[0]
		if err := gh.comment(ctx, num, n.body()); err != nil {
			return "", err
		}
		if err := gh.edit(ctx, num, map[string]any{"title": n.title()}); err != nil {
			return "", err
		}
		return fmt.Sprintf("updated issue #%d: %s", num, n.verdict), nil
	case len(open) > 0:
		for _, num := range open {
			if err := gh.comment(ctx, num, "Green again: "+n.verdict+".\n\n"+n.runURL+"\n"); err != nil {
				return "", err
			}
			if err := gh.edit(ctx, num, map[string]any{"state": "closed", "state_reason": "completed"}); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("closed issue #%d: green again", open[0]), nil
	}
	return "green, nothing to do", nil
}
