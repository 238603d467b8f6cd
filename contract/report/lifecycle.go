package report

import "strings"

// LifecycleReport is the ground truth the keys a run created gave: per
// key, the type asked for and the type listed, the fresh key's last_used,
// whether last_four is the value's, whether the value stayed out of the
// listing; and the keys left on the target.
type LifecycleReport struct {
	RunID   string
	Problem string
	Rows    []GroundTruth
	// NotRevoked are the keys this run made that are still on the target,
	// each with why; Leftovers the keys of earlier runs the listing showed;
	// Swept those this run revoked.
	NotRevoked, Leftovers, Swept []string
	// Left are the keys this run made that may still be on the target, by
	// the type asked for, with their id when known: observations.json
	// carries them.
	Left []KeyLeft
}

// KeyLeft is a key this run made that may still be on the target.
type KeyLeft struct {
	Asked string `json:"asked"`
	// Probe is the negative probe whose create made the key, "" for the
	// lifecycle's own keys.
	Probe  string `json:"probe,omitempty"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// GroundTruth is one created key's row, in words.
type GroundTruth struct {
	Name, Asked, Listed, LastUsed, LastFour, ValueAbsent, Revoked string
	// CreatedAt places the listed created_at against the run's window.
	CreatedAt string
}

// writeLifecycle renders the ground-truth table, or says the lifecycle was
// off.
func writeLifecycle(p func(string, ...any), lr *LifecycleReport) {
	p("\n## Ground truth from the keys this run created\n\n")
	if lr == nil {
		p("Not established: the lifecycle was off (FLEXFACTOR_LIFECYCLE=1 turns it on for a live target) or the target was broken.\n")
		return
	}
	p("Run id `%s`; keys are named `contract-<run id>-<type>`.\n\n", lr.RunID)
	if lr.Problem != "" {
		p("**Problem:** %s\n\n", cell(lr.Problem))
	}
	p("| Key | Type asked for | Type listed | `last_used` of the fresh key | `last_four` is the value's last four | Value absent from the listing | Revoked |\n|---|---|---|---|---|---|---|\n")
	for _, r := range lr.Rows {
		p("| %s | %s | %s | %s | %s | %s | %s |\n", cell(r.Name), r.Asked, cell(r.Listed), r.LastUsed, r.LastFour, cell(r.ValueAbsent), cell(r.Revoked))
	}
	if len(lr.NotRevoked) > 0 {
		p("\n**Keys left on the target by this run (remove them by hand):** %s\n", cell(strings.Join(lr.NotRevoked, "; ")))
	}
	if len(lr.Leftovers) > 0 {
		p("\n**Leftovers of earlier runs:** %s\n", cell(strings.Join(lr.Leftovers, ", ")))
	}
	if len(lr.Swept) > 0 {
		p("\n**Swept (revoked) this run:** %s\n", cell(strings.Join(lr.Swept, ", ")))
	}
}
