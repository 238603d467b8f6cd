package contract

import (
	"strings"
)

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
}

// LifecycleReport gathers the lifecycle's ground truth for the report, or
// nil when the run created no key.
func (r *Run) LifecycleReport() *LifecycleReport {
	lc := r.lifecycle
	if lc == nil {
		return nil
	}
	out := &LifecycleReport{RunID: lc.RunID, Problem: lc.Problem, NotRevoked: lc.NotRevoked(),
		Leftovers: lc.Leftovers, Swept: lc.Swept}
	for _, l := range lc.left() {
		out.Left = append(out.Left, l.KeyLeft)
	}
	for _, k := range lc.Keys {
		row := GroundTruth{Name: k.Name, Asked: k.Type, Listed: "not listed", LastUsed: "not listed",
			LastFour: "not listed", ValueAbsent: "not listed", Revoked: revokedWord(k)}
		if !k.Created {
			row.Listed = "not created: " + k.CreateProblem
			out.Rows = append(out.Rows, row)
			continue
		}
		if listed, problem := lc.ListedOnce(k); problem == "" {
			row.Listed, _ = listed["type"].(string)
			row.LastUsed = "null"
			if LastUsedProblem(listed, k) != "" {
				row.LastUsed = "not null"
			}
			row.LastFour = "yes"
			if LastFourProblem(listed, k) != "" {
				row.LastFour = "no"
			}
			row.ValueAbsent = "yes"
			if where := ValueIn(lc.Listing, k); len(where) > 0 {
				row.ValueAbsent = "no: at " + strings.Join(where, ", ")
			}
		} else {
			row.Listed = problem
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

func revokedWord(k *LifecycleKey) string {
	switch {
	case !k.Created:
		return "nothing to revoke"
	case k.Gone:
		return "yes"
	case k.Revoked && !k.StillListed:
		return "not confirmed: the revoke call answered success, but no listing after it showed the key gone"
	case k.RevokeProblem != "":
		return "no: " + k.RevokeProblem
	}
	return "not yet"
}

// writeLifecycle renders the ground-truth table, or says the lifecycle was
// off.
func writeLifecycle(p func(string, ...any), lr *LifecycleReport) {
	p("\n## Ground truth from the keys this run created\n\n")
	if lr == nil {
		p("Not established: the lifecycle was off (%s=1 turns it on for a live target) or the target was broken.\n", EnvLifecycle)
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
