package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ObservationsFile is the name of the observations a run writes beside
// its report, for the next night and for contractdiff.
const ObservationsFile = "observations.json"

// ObservationsFormat is the version of the file's format; the JSON Schema
// in observations.schema.json describes it.
const ObservationsFormat = 1

// Observations is everything a run observed of its target, as data:
// facts, never values. No secret, key value or name of a key is in it,
// and the file is written through the run's redactor all the same.
type Observations struct {
	Format       int                `json:"format"`
	Target       ObservedTarget     `json:"target"`
	SpecVersion  string             `json:"specVersion"`
	Time         string             `json:"time"`
	Strict       bool               `json:"strict"`
	Verdict      ObservedVerdict    `json:"verdict"`
	Requests     Requests           `json:"requests"`
	Listing      *ObservedListing   `json:"listing"`
	Undocumented []ObservedField    `json:"undocumentedFields"`
	Responses    []ObservedResponse `json:"responses"`
	GroundTruth  map[string]string  `json:"groundTruth"`
	// Judged is every other fact a check judged (Observed.Judged), so
	// that a comparison names what changed for any failing check.
	Judged map[string]string `json:"judged,omitempty"`
	// KeysLeft are the keys the run made that may still be on the target
	// (a revoke that failed or that the listing after it contradicts), by
	// the type asked for and the id: a person removes them by hand.
	KeysLeft []KeyLeft     `json:"keysLeft,omitempty"`
	Ledger   []LedgerEntry `json:"ledger"`
	// History is the last MaxNights runs, oldest first, this one last:
	// the previous run's history carried on (see Carry).
	History []Night `json:"history,omitempty"`
}

// The kinds of target an observations file names.
const (
	TargetDouble = "double"
	TargetLive   = "live"
)

// The operations of openapi.yaml, by operationId, as observations name
// them.
const (
	OpListAPIKeys  = "listApiKeys"
	OpCreateToken  = "createToken"
	OpCreateAPIKey = "createApiKey"
	OpRevokeAPIKey = "revokeApiKey"
)

// Redactor is what every output of a run passes through (the suite's
// redactor).
type Redactor interface {
	Redact(string) string
}

// Observed is what the run saw of the server, beyond pass and fail: the
// "documented vs observed" table of the report.
type Observed struct {
	// ListingSeen is set once a 200 listing was observed.
	ListingSeen bool
	Keys        int
	// Types counts the keys of each type value.
	Types map[string]int
	// NullLastUsed counts keys whose last_used is null.
	NullLastUsed int
	// Undocumented counts each undocumented field, as
	// "listApiKeys 200 /keys/*/id".
	Undocumented map[string]int
	// DuplicatePairs counts (name, last_four) pairs held by more than one key.
	DuplicatePairs int
	// MediaTypes counts the media types of all responses.
	MediaTypes map[string]int
	// Checked counts the responses validated, whose fields were looked at.
	Checked int
	// Responses counts every response by "operation status media-type",
	// as "listApiKeys 200 application/json".
	Responses map[string]int
	// ErrorShapes is the shape (BodyShape) of the body of each error
	// status, by "operation status".
	ErrorShapes map[string]string
	// GroundTruth is what the run proved by making the data itself (a key
	// it created, then revoked), by fact.
	GroundTruth map[string]string
	// Judged is every other fact a check judged, by fact: whether each
	// operation's answers matched openapi.yaml (and where not), what each
	// negative probe was answered.
	Judged map[string]string
}

// ObservedTarget says what was tested: "double" or "live", and the host
// when one answered.
type ObservedTarget struct {
	Kind        string `json:"kind"`
	Environment string `json:"environment,omitempty"`
	Host        string `json:"host,omitempty"`
}

// ObservedVerdict is the run's verdict.
type ObservedVerdict struct {
	Kind string `json:"kind"`
	Line string `json:"line"`
	// Target says why a broken target could not be checked (TargetDown,
	// TargetUnreachable, TargetTokenRefused), "" otherwise.
	Target string `json:"target,omitempty"`
}

// Requests are the wire client's counts.
type Requests struct {
	Sent            int `json:"sent"`
	Budget          int `json:"budget"`
	Retries         int `json:"retries"`
	Refused         int `json:"refused"`
	TransportErrors int `json:"transportErrors"`
}

// ObservedListing is what the merchant's listing held; nil when no
// listing succeeded.
type ObservedListing struct {
	Keys           int            `json:"keys"`
	Types          map[string]int `json:"types"`
	NullLastUsed   int            `json:"nullLastUsed"`
	DuplicatePairs int            `json:"duplicatePairs"`
}

// ObservedField is an undocumented field, by JSON pointer.
type ObservedField struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	Pointer   string `json:"pointer"`
	Count     int    `json:"count"`
}

// ObservedResponse counts the responses of one operation, status and
// media type; BodyShape is set for error statuses.
type ObservedResponse struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	MediaType string `json:"mediaType"`
	Count     int    `json:"count"`
	BodyShape string `json:"bodyShape,omitempty"`
}

// BuildObservations gathers a run's observations. now is the run's start.
//
// kind is TargetDouble or TargetLive; environment is "sandbox",
// "production" or "" (a base URL).
func BuildObservations(d ReportData, kind, environment string, ledger []LedgerEntry, now time.Time) Observations {
	o := d.Observed
	obs := Observations{
		Format:       ObservationsFormat,
		Target:       ObservedTarget{Kind: kind, Environment: environment},
		SpecVersion:  d.SpecVersion,
		Time:         now.UTC().Format(time.RFC3339),
		Strict:       d.Strict,
		Verdict:      ObservedVerdict{Kind: d.Verdict.Kind, Line: d.Verdict.Line(), Target: d.Verdict.Target},
		Requests:     d.Stats,
		Undocumented: []ObservedField{},
		Responses:    []ObservedResponse{},
		GroundTruth:  map[string]string{},
		Ledger:       ledger,
	}
	obs.Target.Host = d.ContactedHost()
	if o.ListingSeen {
		obs.Listing = &ObservedListing{Keys: o.Keys, Types: maps.Clone(o.Types), NullLastUsed: o.NullLastUsed, DuplicatePairs: o.DuplicatePairs}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Undocumented)) {
		op, status, pointer, ok := splitFact(k, 3)
		if ok {
			obs.Undocumented = append(obs.Undocumented, ObservedField{Operation: op, Status: status, Pointer: pointer, Count: o.Undocumented[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Responses)) {
		op, status, mt, ok := splitFact(k, 3)
		if ok {
			obs.Responses = append(obs.Responses, ObservedResponse{Operation: op, Status: status, MediaType: mt, Count: o.Responses[k],
				BodyShape: o.ErrorShapes[fmt.Sprintf("%s %d", op, status)]})
		}
	}
	for k, v := range o.GroundTruth {
		obs.GroundTruth[k] = v
	}
	obs.Judged = maps.Clone(o.Judged)
	addLifecycle(&obs, d.Lifecycle)
	if len(obs.Judged) == 0 {
		obs.Judged = nil
	}
	if d.Lifecycle != nil {
		obs.KeysLeft = d.Lifecycle.Left
	}
	if obs.Ledger == nil {
		obs.Ledger = []LedgerEntry{}
	}
	return obs
}

// splitFact splits "operation status rest".
func splitFact(k string, n int) (op string, status int, rest string, ok bool) {
	parts := strings.SplitN(k, " ", n)
	if len(parts) != n {
		return "", 0, "", false
	}
	status, err := strconv.Atoi(parts[1])
	return parts[0], status, parts[2], err == nil
}

// WriteObservationsFile writes obs to dir/observations.json through red.
func WriteObservationsFile(dir string, obs Observations, red Redactor) (string, error) {
	b, err := json.MarshalIndent(obs, "", "  ")
	if err != nil {
		return "", fmt.Errorf("contract: observations: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("contract: observations: %w", err)
	}
	path := filepath.Join(dir, ObservationsFile)
	if err := os.WriteFile(path, []byte(red.Redact(string(b))+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("contract: observations: %w", err)
	}
	return path, nil
}

// ReadObservations reads an observations file, refusing another format.
func ReadObservations(path string) (Observations, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Observations{}, fmt.Errorf("observations: %w", err)
	}
	if err := ValidateObservations(b); err != nil {
		return Observations{}, fmt.Errorf("observations: %s %v", path, err)
	}
	var obs Observations
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&obs); err != nil {
		return Observations{}, fmt.Errorf("observations: %s is not an observations file", path)
	}
	return obs, nil
}

// typeValues is the sorted type values of a listing.
func (l *ObservedListing) typeValues() []string {
	if l == nil {
		return nil
	}
	v := slices.Sorted(maps.Keys(l.Types))
	slices.Sort(v)
	return v
}

// addLifecycle adds the lifecycle's ground truth, one fact per created
// key and question, keyed by the type asked for (never by the key's name,
// which changes every run).
func addLifecycle(obs *Observations, lc *LifecycleReport) {
	if lc == nil {
		return
	}
	facts := obs.GroundTruth
	seen := map[string]int{}
	for _, row := range lc.Rows {
		key := "key created " + row.Asked
		if seen[key]++; seen[key] > 1 {
			key += fmt.Sprintf(" (%d)", seen[key])
		}
		facts[key+": "+GroundTruthListedAs] = row.Listed
		facts[key+": "+GroundTruthLastUsed] = row.LastUsed
		facts[key+": "+GroundTruthLastFour] = row.LastFour
		facts[key+": value absent from the listing"] = row.ValueAbsent
		facts[key+": revoked"] = row.Revoked
		if obs.Judged == nil {
			obs.Judged = map[string]string{}
		}
		obs.Judged[key+": "+GroundTruthCreatedAt] = row.CreatedAt
	}
}

// The ground-truth questions that settle a discrepancy.
const (
	GroundTruthListedAs = "listed as"
	GroundTruthLastUsed = "last_used when new"
	GroundTruthLastFour = "last_four is the value's"
	// GroundTruthCreatedAt places the listed created_at against the
	// run's window: within, before, after, or not a date-time.
	GroundTruthCreatedAt = "created_at against the run's window"
)
