// Command contractdiff compares two observation files of the contract
// suite (reports/observations.json) and prints what appeared, disappeared
// or changed: a new key type value, a field that went undocumented, a
// media type, an error body's shape, a ground-truth flip, a ledger verdict.
//
//	contractdiff previous.json current.json
//
// It exits 1 when a change matters (counts and times do not), saying
// which; 0 when nothing that matters changed; 2 when it cannot read its
// arguments.
//
// With -compare it compares two targets of the same night instead, such
// as the double and the sandbox, and words each difference as "the double
// answers X, the sandbox answers Y". A difference is a finding, not a
// failure: it exits 0 unless -strict is given.
//
//	contractdiff -history observations.json
//
// prints the history the file carries: the last nights per check group
// and per discrepancy, as the report shows it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractdiff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	compare := fs.Bool("compare", false, "compare two targets of one night (the double and the sandbox) rather than two nights")
	strict := fs.Bool("strict", false, "with -compare, exit 1 when the targets differ")
	history := fs.Bool("history", false, "print the history one observations file carries")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: contractdiff [-compare [-strict]] BEFORE.json AFTER.json\n       contractdiff -history OBSERVATIONS.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *history && fs.NArg() == 1 {
		obs, err := report.ReadObservations(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "contractdiff:", err)
			return 2
		}
		report.WriteHistory(stdout, obs.History)
		return 0
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	before, err := report.ReadObservations(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "contractdiff:", err)
		return 2
	}
	after, err := report.ReadObservations(fs.Arg(1))
	if err != nil {
		fmt.Fprintln(stderr, "contractdiff:", err)
		return 2
	}
	if *compare {
		changes, notes := report.DiffTargets(before, after)
		left, right := report.Side(before), report.Side(after)
		for _, n := range notes {
			fmt.Fprintln(stdout, n)
		}
		if len(changes) == 0 {
			fmt.Fprintf(stdout, "%s and %s answer alike\n", left, right)
			return 0
		}
		fmt.Fprintf(stdout, "%s between %s and %s:\n", report.Plural(len(changes), "difference"), left, right)
		for _, c := range changes {
			fmt.Fprintln(stdout, "  "+report.Compare(c, left, right))
		}
		if *strict {
			return 1
		}
		return 0
	}
	changes := report.Diff(before, after)
	n := report.Mattering(changes)
	switch {
	case len(changes) == 0:
		fmt.Fprintf(stdout, "no change between %s and %s\n", before.Time, after.Time)
		return 0
	case n == 0:
		fmt.Fprintf(stdout, "%s, none that matters, between %s and %s:\n", report.Plural(len(changes), "change"), before.Time, after.Time)
	default:
		fmt.Fprintf(stdout, "%s between %s and %s:\n", report.ThatMatter(n), before.Time, after.Time)
	}
	for _, c := range changes {
		mark := "  "
		if c.Matters {
			mark = "! "
		}
		fmt.Fprintln(stdout, mark+c.String())
	}
	if n > 0 {
		return 1
	}
	return 0
}
