// Command benchdouble puts the FlexFactor double (cmd/flexfactor-mock, which
// checks every request and every answer against openapi.yaml) under
// sustained load on loopback and compares it, in the same run, with Prism
// 5's mock server (@stoplight/prism-cli, from .ci/node's lockfile) serving
// the same spec. `make bench-double` runs it and then its check mode, which
// judges the figures against the goals docs/double.md states.
//
//	benchdouble -mock PATH -prism PATH -spec openapi.yaml > figures.txt   # about a minute
//	benchdouble -check figures.txt   # the tables and the goals; exit 1 when one is missed
//
// Each server runs in a child process, so that its CPU time (utime + stime,
// what getrusage counts) and its resident memory are read from /proc apart
// from the load generator's, which runs in this process on the same cores.
// The load is vegeta's (github.com/tsenart/vegeta/v12/lib): HTTP/1.1 on
// keep-alive connections, one worker per connection sending as fast as the
// server answers, every phase bounded in time and requests.
//
// The run:
//
//	0-30 s    list calls on 8 connections to the double (process A): its RSS
//	          after 5 s and after 30 s
//	5-29 s    token calls on 8 connections to a second double (process B),
//	          in six 4 s windows: throughput of the first and the sixth
//	then      list calls alone, in rounds of 2 s windows of the double and
//	          Prism whose order rotates (3 rounds); then the double's list
//	          calls with token calls on 2 more connections beside them
//	          (2 windows). Per window: requests/s, CPU per request, p50 and
//	          p99 latency.
//	last      creates and revokes on the double alone.
//
// The check mode (internal/benchstat's medians and paired ratios) judges
// list throughput on the median of the per-round ratios to Prism, and list
// p99 with token calls beside on the median of its windows against that of
// the list windows alone, so that one window disturbed by the machine's
// other work does not decide alone.
//
// Linux only (/proc).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	var o options
	flag.StringVar(&o.mock, "mock", "", "`path` of a built cmd/flexfactor-mock (required to run)")
	flag.StringVar(&o.prism, "prism", "", "`path` of Prism's CLI (.ci/node/node_modules/.bin/prism); without it the run says Prism did not run")
	flag.StringVar(&o.spec, "spec", "openapi.yaml", "the spec Prism mocks")
	flag.IntVar(&o.conns, "conns", 8, "keep-alive connections per load")
	flag.IntVar(&o.besideConns, "beside-conns", 2, "connections sending token calls beside the list load")
	flag.DurationVar(&o.window, "window", defaultWindow, "length of a measured window")
	flag.DurationVar(&o.long, "long", defaultLong, "length of the double's list load")
	flag.DurationVar(&o.pair, "pair", defaultPair, "length of each server's window in a side-by-side pair")
	flag.IntVar(&o.pairs, "pairs", defaultPairs, "side-by-side pairs of list windows")
	flag.Int64Var(&o.maxRequests, "max-requests", 20_000_000, "cap on the requests of one load")
	check := flag.String("check", "", "judge the figures in `file` (- for stdin) instead of running")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: benchdouble -mock PATH > figures; benchdouble -check figures")
		flag.PrintDefaults()
	}
	flag.Parse()

	switch {
	case *check != "":
		var in io.Reader = os.Stdin
		if *check != "-" {
			f, err := os.Open(*check)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchdouble:", err)
				os.Exit(2)
			}
			defer f.Close()
			in = f
		}
		ok, err := checkFigures(in, os.Stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchdouble:", err)
			os.Exit(2)
		}
		if !ok {
			os.Exit(1)
		}
	default:
		if o.mock == "" {
			flag.Usage()
			os.Exit(2)
		}
		if err := runBench(o, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "benchdouble:", err)
			os.Exit(1)
		}
	}
}
