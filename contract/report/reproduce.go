package report

// EntryReproduce is the report entry of a failed check that holds a curl
// command reproducing one request the check judged.
const EntryReproduce = "reproduce"

// A Reproduction is how a person sees a failed check fail again: the curl
// commands of the requests it judged, and the command that runs it alone.
type Reproduction struct {
	Check string
	Curls []string
	Focus string
}

// ReproduceHeading is the report's section of reproductions, which
// nightlyalert copies into the alert issue.
const ReproduceHeading = "## Reproduce the failures"

// writeReproductions renders the reproductions of the failed checks, or
// nothing when none failed.
func writeReproductions(p func(string, ...any), reps []Reproduction) {
	if len(reps) == 0 {
		return
	}
	p("\n%s\n\n", ReproduceHeading)
	p("Set `FLEXFACTOR_APP_KEY` and `FLEXFACTOR_APP_SECRET` to the app's credentials: each reproduction starts with the token call, which sets `FLEXFACTOR_TOKEN` for the commands after it (with a static token, set that instead and skip the call). The `ginkgo` line runs the check alone; set the run's other `FLEXFACTOR_*` variables first: the line sets `FLEXFACTOR_LIFECYCLE` itself, and says whether it creates keys.\n")
	for _, rep := range reps {
		p("\n**%s**\n\n```sh\n", oneLine(rep.Check))
		for _, c := range rep.Curls {
			p("%s\n", oneLine(c))
		}
		if rep.Focus != "" {
			p("%s\n", rep.Focus)
		}
		if rep.Focus == "" {
			p("# the suite's setup failed: make contract runs it again\n")
		}
		p("```\n")
	}
}
