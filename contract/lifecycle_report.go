package contract

import (
	"strings"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// LifecycleReport gathers the lifecycle's ground truth for the report, or
// nil when the run created no key.
func (r *suiteRun) LifecycleReport() *report.LifecycleReport {
	lc := r.lifecycle
	if lc == nil {
		return nil
	}
	out := &report.LifecycleReport{RunID: lc.RunID, Problem: lc.Problem, NotRevoked: lc.NotRevoked(),
		Leftovers: lc.Leftovers, Swept: lc.Swept}
	for _, l := range lc.left() {
		out.Left = append(out.Left, l.KeyLeft)
	}
	for _, k := range lc.Keys {
		row := report.GroundTruth{Name: k.Name, Asked: k.Type, Listed: "not listed", LastUsed: "not listed",
			LastFour: "not listed", ValueAbsent: "not listed", CreatedAt: "not listed", Revoked: revokedWord(k)}
		if !k.Created {
			row.Listed = "not created: " + k.CreateProblem
			out.Rows = append(out.Rows, row)
			continue
		}
		if listed, problem := lc.ListedOnce(k); problem == "" {
			row.Listed, _ = listed["type"].(string)
			row.CreatedAt, _ = lc.createdAtPlace(listed)
			row.LastUsed = "null"
			if lastUsedProblem(listed, k) != "" {
				row.LastUsed = "not null"
			}
			row.LastFour = "yes"
			if lastFourProblem(listed, k) != "" {
				row.LastFour = "no"
			}
			row.ValueAbsent = "yes"
			if where := valueIn(lc.Listing, k); len(where) > 0 {
				row.ValueAbsent = "no: at " + strings.Join(where, ", ")
			}
		} else {
			row.Listed = problem
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

func revokedWord(k *createdKey) string {
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
