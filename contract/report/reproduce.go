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
	p("Set `FLEXFACTOR_TOKEN` to a bearer token for the target (with app credentials: the `accessToken` of the token call, whose reproduction uses `FLEXFACTOR_APP_KEY` and `FLEXFACTOR_APP_SECRET`), and the `FLEXFACTOR_*` variables of the run for the `ginkgo` line.\n")
	for _, rep := range reps {
		p("\n**%s**\n\n```sh\n", oneLine(rep.Check))
		for _, c := range rep.Curls {
			p("%s\n", oneLine(c))
		}
		if rep.Focus != "" {
			p("%s\n", rep.Focus)
		}
		if len(rep.Curls) == 0 && rep.Focus == "" {
			p("# the suite's setup failed: make contract runs it again\n")
		}
		p("```\n")
	}
}
