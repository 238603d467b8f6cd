package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flexcontract/flexfactor-apikeys/internal/redact"

	"github.com/flexcontract/flexfactor-apikeys/contract/report"
)

// lifecycleRequests is what the lifecycle adds to a run: two creates, a
// listing, two revokes and a listing after them. A run with the lifecycle
// on gets that much more budget unless FLEXFACTOR_MAX_REQUESTS is set.
const lifecycleRequests = 6

// clockSkew is how far a created key's created_at may fall outside the
// run's window (from just before the create to the listing after it): the
// server's clock and ours may disagree by that much.
const clockSkew = 2 * time.Minute

// createdTypes are the types the run creates, in order: one the Key
// Security note does not cover, then one it covers, as openapi.yaml names
// them (see lifecycleTypes).
var createdTypes = lifecycleTypes(specFacts)

// lifecycleName matches the name of a key a run created:
// contract-<run id>-<type>, the run id a UTC time and four hex digits.
// A negative probe's key, should a target wrongly make it, is named
// contract-<run id>-probe-<what>.
var lifecycleName = regexp.MustCompile(`^contract-(\d{8}T\d{6}Z-[0-9a-f]{4})-(` + typeAlternation(createdTypes) + `|probe-.+)$`)

// newRunID names a run: its start, in UTC, and four random hex digits, so
// that two runs in the same second still differ.
func newRunID(now time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// lifecycleKeyName is the name a run gives the key of type typ, by which a
// leftover is recognised.
func lifecycleKeyName(runID, typ string) string { return "contract-" + runID + "-" + typ }

// A createdKey is a key the run created: what it asked for, what the
// create call answered, and what became of it. It never holds the value in
// a form that prints.
type createdKey struct {
	Type string // the type asked for
	Name string
	// ID is the id the create call answered, "" when it gave none.
	ID string
	// CreateProblem says why the key was not made or is incomplete, "" when
	// the create call answered a key with an id and a value.
	CreateProblem string
	// Created is set when the create call answered a key (with or without
	// id): the key exists on the target.
	Created bool
	value   redact.KeyValue // prints masked, whatever the verb
	// Uncertain is set when the create call got no answer: the target may
	// have made the key, which the run cannot revoke without its id.
	Uncertain bool
	// RevokeSent is set once a revoke of the key was attempted; Revoked
	// once one answered success; RevokeProblem says why a revoke failed or
	// was never sent.
	RevokeSent    bool
	Revoked       bool
	RevokeProblem string
	// RevokeExchange is the revoke's answer, nil when none came.
	RevokeExchange *Exchange
	// Probe is the probe whose create made the key, "" for the lifecycle's
	// own keys.
	Probe string
	// Gone is set when the listing after the revokes no longer shows a key
	// whose revoke answered success: only then was it revoked. StillListed
	// is set when that listing still shows it.
	Gone, StillListed bool
	// identity is what the create answer said of where the key lives.
	identity keyIdentity
}

// StillListedProblem is the RevokeProblem of a key whose revoke answered
// success but which the listing after the revokes still shows.
const StillListedProblem = "the revoke call answered success, but the key is still listed"

// LastFour is the value's last four characters, or "" before the create
// call answered one.
func (k *createdKey) LastFour() string {
	v := k.value.Reveal()
	if len(v) < 4 {
		return ""
	}
	return v[len(v)-4:]
}

// Label names the key in a report: its name and, when known, its id.
func (k *createdKey) Label() string {
	if k.ID == "" {
		return k.Name + " (no id)"
	}
	return k.Name + " (id " + k.ID + ")"
}

// keyLifecycle is the keys a run creates and what the target showed of them.
// It is safe for concurrent use.
type keyLifecycle struct {
	RunID string
	// Start and End bound the run's window for created_at: from just
	// before the first create to just after the listing that follows.
	Start, End time.Time
	Keys       []*createdKey
	// Creates are the create exchanges, in the order of Keys (nil when the
	// request failed); Listing is the listing after them; AfterRevoke the
	// listing after the revokes.
	Creates     []*Exchange
	Listing     *Exchange
	AfterRevoke *Exchange
	// Problem is why the lifecycle could not run at all, or "".
	Problem string
	// Strays are the keys negative probes made although the target should
	// have refused them: revoked at once, and reported like Keys.
	Strays []*createdKey
	// afterRevokeSent is set once the listing after the revokes was sent.
	afterRevokeSent bool
	// Leftovers are the names of keys of earlier runs the listing showed;
	// Swept those of them this run revoked.
	Leftovers, Swept []string

	mu sync.Mutex
}

// StartLifecycle creates one key of each of LifecycleTypes for the run's
// merchant and lists the merchant: every later check of the lifecycle
// reads what it recorded. Failures are recorded, not returned: each check
// says what it could not prove and why. It reserves the budget for the
// revokes before it creates anything.
func (r *suiteRun) StartLifecycle(ctx context.Context, now func() time.Time) *keyLifecycle {
	lc := &keyLifecycle{RunID: newRunID(now())}
	r.lifecycle = lc
	lc.Start = now()
	r.Wire.reserve(len(createdTypes))
	for _, typ := range createdTypes {
		k := &createdKey{Type: typ, Name: lifecycleKeyName(lc.RunID, typ)}
		lc.Keys = append(lc.Keys, k)
		ex, err := r.Wire.CreateAPIKey(ctx, r.Config.MID, k.Name, typ, Bearer(r.token))
		lc.Creates = append(lc.Creates, ex)
		if err != nil {
			k.CreateProblem = "the create call failed: " + rootMessage(err)
			// A request that was sent may have made the key.
			k.Uncertain = !errors.Is(err, errBudgetExceeded)
			continue
		}
		r.Check(ex)
		r.recordCreated(k, ex)
	}
	ex, err := r.Wire.ListAPIKeys(ctx, r.Config.MID, Bearer(r.token))
	lc.End = now()
	if err != nil {
		lc.Problem = "the listing after the creates failed: " + rootMessage(err)
		return lc
	}
	r.Check(ex)
	lc.Listing = ex
	if ex.Status != 200 {
		lc.Problem = "the listing after the creates answered " + strconv.Itoa(ex.Status)
	}
	return lc
}

// recordCreated reads a create answer into k: id, value, and why it is not
// a complete key. The value is registered with the redactor first.
func (r *suiteRun) recordCreated(k *createdKey, ex *Exchange) {
	r.noteIdentity(k, ex)
	var body struct {
		ID      *string         `json:"id"`
		Value   *string         `json:"value"`
		Success *bool           `json:"success"`
		Errors  json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(ex.Body, &body); err != nil {
		k.CreateProblem = ex.summary() + ": the body is not JSON"
		k.Uncertain = ex.Status < 400 || ex.Status >= 500
		return
	}
	if body.Value != nil {
		r.Redactor.Add(*body.Value)
	}
	if ex.Status >= 500 {
		// A server or gateway error may come after the key was made.
		k.CreateProblem, k.Uncertain = ex.summary()+": the key may or may not have been created", true
		return
	}
	if ex.Status < 200 || ex.Status > 299 || (body.Success != nil && !*body.Success) || !emptyJSON(body.Errors) {
		k.CreateProblem = ex.summary() + ": the key was not created"
		return
	}
	k.Created = true
	var problems []string
	if body.Value == nil || *body.Value == "" {
		problems = append(problems, ex.summary()+": the answer has no value")
	} else {
		v := *body.Value
		k.value = redact.NewKeyValue(v)
	}
	if body.ID == nil || *body.ID == "" {
		problems = append(problems, ex.summary()+": the answer has no id, so the key cannot be revoked")
	} else {
		k.ID = *body.ID
		// An id is no secret, and the hand-removal list must show it even
		// when it is as long as the redactor's key-like runs.
		r.Redactor.Keep(k.ID)
	}
	k.CreateProblem = strings.Join(problems, "; ")
}

func emptyJSON(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == "[]" || s == "{}"
}

// Lifecycle is the run's lifecycle, nil when it did not start.
func (r *suiteRun) Lifecycle() *keyLifecycle { return r.lifecycle }

// listedNamed returns the keys of a listing named name: the key the run made
// must be listed exactly once.
func listedNamed(ex *Exchange, name string) []map[string]any {
	if ex == nil || ex.Status != 200 {
		return nil
	}
	keys, err := decodeKeys(ex.Body)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, k := range keys {
		if n, _ := k["name"].(string); n == name {
			out = append(out, k)
		}
	}
	return out
}

// ListedOnce returns the one listed key of k, or why there is not one.
func (lc *keyLifecycle) ListedOnce(k *createdKey) (map[string]any, string) {
	if !k.Created {
		return nil, "the key was not created: " + k.CreateProblem
	}
	if lc.Listing == nil || lc.Listing.Status != 200 {
		return nil, lc.Problem
	}
	found := listedNamed(lc.Listing, k.Name)
	switch len(found) {
	case 0:
		return nil, k.Name + " is not in the listing after its creation"
	case 1:
		return found[0], ""
	}
	return nil, fmt.Sprintf("%s is listed %d times", k.Name, len(found))
}

// brokeSpecAt reports whether the listing ex broke openapi.yaml in field of
// the key it lists by name: a check of that field is then not judged, since
// the check of the listing's schema fails for it.
func (r *suiteRun) brokeSpecAt(ex *Exchange, name, field string) bool {
	keys, err := decodeKeys(ex.Body)
	if err != nil {
		return false
	}
	for _, f := range r.Check(ex) {
		rest, ok := strings.CutPrefix(f.Pointer, "/keys/")
		idx, sub, _ := strings.Cut(rest, "/")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i >= len(keys) {
			continue
		}
		if n, _ := keys[i]["name"].(string); n == name && (sub == field || strings.HasPrefix(sub, field+"/")) {
			return true
		}
	}
	return false
}

// madeByLifecycle reports whether any of exs is a request of the lifecycle
// or its probes: a create, a revoke, or a listing after them.
func (r *suiteRun) madeByLifecycle(exs []*Exchange) bool {
	lc := r.lifecycle
	for _, ex := range exs {
		if ex != nil && (ex.Operation == report.OpCreateAPIKey || ex.Operation == report.OpRevokeAPIKey ||
			lc != nil && (ex == lc.Listing || ex == lc.AfterRevoke)) {
			return true
		}
	}
	return false
}

// lastFourProblem says how the listed last_four differs from the created
// value's last four, or "".
func lastFourProblem(listed map[string]any, k *createdKey) string {
	got, _ := listed["last_four"].(string)
	switch {
	case k.LastFour() == "":
		return "the create call answered no value to compare with"
	case got != k.LastFour():
		return k.Name + ": last_four is not the last four characters of the value the create call answered"
	}
	return ""
}

// CreatedAtProblem says how the listed created_at falls outside the run's
// window, widened by ClockSkew on each side, or "".
func (lc *keyLifecycle) CreatedAtProblem(listed map[string]any, k *createdKey) string {
	place, t := lc.createdAtPlace(listed)
	switch place {
	case createdAtNotADate:
		return k.Name + ": created_at is not an RFC 3339 date-time"
	case createdAtBefore, createdAtAfter:
		return fmt.Sprintf("%s: created_at %s is outside the run's window %s to %s (%s of clock skew allowed)",
			k.Name, t.UTC().Format(time.RFC3339), lc.Start.UTC().Format(time.RFC3339), lc.End.UTC().Format(time.RFC3339), clockSkew)
	}
	return ""
}

// Where a listed created_at falls: what observations.json records of it.
const (
	createdAtWithin   = "within"
	createdAtBefore   = "before"
	createdAtAfter    = "after"
	createdAtNotADate = "not a date-time"
)

// createdAtPlace places the listed created_at against the run's window,
// widened by clockSkew on each side.
func (lc *keyLifecycle) createdAtPlace(listed map[string]any) (string, time.Time) {
	s, _ := listed["created_at"].(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	switch {
	case err != nil:
		return createdAtNotADate, t
	case t.Before(lc.Start.Add(-clockSkew)):
		return createdAtBefore, t
	case t.After(lc.End.Add(clockSkew)):
		return createdAtAfter, t
	}
	return createdAtWithin, t
}

// lastUsedProblem says why a never-used key's last_used is not null, or "".
func lastUsedProblem(listed map[string]any, k *createdKey) string {
	v, present := listed["last_used"]
	switch {
	case !present:
		return k.Name + ": last_used is absent"
	case v != nil:
		return k.Name + ": last_used is set although the key was never used"
	}
	return ""
}

// valueIn returns the JSON pointers of the places in a listing whose member
// name or string value holds the key's full value ("/" when only the raw
// bytes do, as an escaped form would).
func valueIn(ex *Exchange, k *createdKey) []string {
	value := k.value.Reveal()
	if ex == nil || value == "" {
		return nil
	}
	v, err := DecodeJSON(ex.Body)
	if err != nil {
		if strings.Contains(string(ex.Body), value) {
			return []string{"/"}
		}
		return nil
	}
	var out []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			names := mapsKeys(v)
			slices.Sort(names)
			for _, name := range names {
				p := path + "/" + escapePointer(name)
				if strings.Contains(name, value) {
					out = append(out, p+" (a member name)")
				}
				walk(v[name], p)
			}
		case []any:
			for i, item := range v {
				walk(item, path+"/"+strconv.Itoa(i))
			}
		case string:
			if strings.Contains(v, value) {
				out = append(out, path)
			}
		}
	}
	walk(v, "")
	if len(out) == 0 && strings.Contains(string(ex.Body), value) {
		out = append(out, "/")
	}
	return out
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// Revoke revokes k, once: it records success, or why it failed. A revoke
// that failed is not sent again (by the suite-level cleanup, say): nothing
// is retried, so the report's retry count stays true. A key the create
// call answered without an id cannot be revoked through the API.
func (r *suiteRun) Revoke(ctx context.Context, k *createdKey) {
	r.lifecycle.mu.Lock()
	defer r.lifecycle.mu.Unlock()
	switch {
	case k.RevokeSent || !k.Created:
		return
	case k.ID == "":
		k.RevokeProblem = "the create call answered no id: remove it by hand"
		return
	}
	k.RevokeSent = true
	ex, err := r.Wire.revokeAPIKey(ctx, k.ID, Bearer(r.token))
	if err != nil {
		k.RevokeProblem = "the revoke call failed: " + rootMessage(err)
		return
	}
	k.RevokeExchange = ex
	r.Check(ex)
	var body struct {
		Success *bool           `json:"success"`
		Errors  json.RawMessage `json:"errors"`
	}
	_ = json.Unmarshal(ex.Body, &body)
	if ex.Status < 200 || ex.Status > 299 || (body.Success != nil && !*body.Success) || !emptyJSON(body.Errors) {
		k.RevokeProblem = ex.summary() + ": the revoke call did not succeed"
		return
	}
	k.Revoked, k.RevokeProblem = true, ""
}

// FinishLifecycle revokes every key the run made and not yet revoked, and
// lists the merchant once more: a key whose revoke answered success is
// revoked (Gone) only when that listing no longer shows it. It is safe to
// call again: no revoke and no listing is sent twice.
func (r *suiteRun) FinishLifecycle(ctx context.Context) {
	lc := r.lifecycle
	if lc == nil {
		return
	}
	for _, k := range lc.all() {
		r.Revoke(ctx, k)
	}
	r.Wire.release()
	lc.mu.Lock()
	done := lc.afterRevokeSent
	lc.afterRevokeSent = true
	lc.mu.Unlock()
	if done {
		return
	}
	// Sent once, also when it fails: the revoke check then says the
	// listing after the revokes failed, and nothing is confirmed gone.
	ex, err := r.Wire.ListAPIKeys(ctx, r.Config.MID, Bearer(r.token))
	if err != nil {
		return
	}
	r.Check(ex)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.AfterRevoke = ex
	if ex.Status != 200 {
		return
	}
	if _, err := decodeKeys(ex.Body); err != nil {
		return
	}
	for _, k := range lc.allLocked() {
		if !k.Revoked {
			continue
		}
		switch {
		case k.identity.elsewhere:
			// Not the merchant's key: this listing cannot show it gone.
		case lc.shownBy(ex, k):
			k.StillListed, k.RevokeProblem = true, StillListedProblem
		default:
			k.Gone = true
		}
	}
}

// all is the keys the run made: its own, then the probes' strays.
func (lc *keyLifecycle) all() []*createdKey {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.allLocked()
}

// allLocked is all with lc.mu held.
func (lc *keyLifecycle) allLocked() []*createdKey {
	return append(slices.Clip(lc.Keys), lc.Strays...)
}

// NotRevoked lists the keys the run made that are still on the target, as
// far as it knows, each with why: a report names them and the run fails.
func (lc *keyLifecycle) NotRevoked() []string {
	var out []string
	for _, l := range lc.left() {
		out = append(out, l.label+": "+l.Reason)
	}
	return out
}

// keyLeft is a KeyLeft with the key's label, for the report.
type keyLeft struct {
	report.KeyLeft
	label string
}

// left is every key the run made that may still be on the target, with why.
func (lc *keyLifecycle) left() []keyLeft {
	if lc == nil {
		return nil
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	var out []keyLeft
	for _, k := range lc.allLocked() {
		why := ""
		switch {
		case k.Uncertain:
			out = append(out, keyLeft{report.KeyLeft{Asked: k.Type, Probe: k.Probe, Reason: "the create call got no usable answer, so the key may exist; look for its name"}, k.Name})
			continue
		case !k.Created || k.Gone:
			continue
		case k.Revoked && !k.StillListed:
			why = "the revoke call answered success, but no listing after it showed the key gone"
		case k.RevokeProblem != "":
			why = k.RevokeProblem
		default:
			why = "not revoked"
		}
		out = append(out, keyLeft{report.KeyLeft{Asked: k.Type, Probe: k.Probe, ID: k.ID, Reason: why}, k.Label()})
	}
	return out
}

// FindLeftovers records the keys of a listing that earlier runs made
// (named contract-<run id>-<type> with another run id) and returns them
// with their id where the listing shows one (an undocumented field).
func (lc *keyLifecycle) FindLeftovers(ex *Exchange) map[string]string {
	if ex == nil || ex.Status != 200 {
		return nil
	}
	keys, err := decodeKeys(ex.Body)
	if err != nil {
		return nil
	}
	found := map[string]string{}
	for _, k := range keys {
		name, _ := k["name"].(string)
		m := lifecycleName.FindStringSubmatch(name)
		if m == nil || m[1] == lc.RunID {
			continue
		}
		id, _ := k["id"].(string)
		found[name] = id
	}
	lc.Leftovers = slices.Sorted(maps.Keys(found))
	return found
}

// Sweep revokes the leftovers whose id the listing shows; the others can
// only be removed by hand. It returns what it could not revoke, and why.
func (r *suiteRun) Sweep(ctx context.Context, leftovers map[string]string) []string {
	var left []string
	for _, name := range slices.Sorted(maps.Keys(leftovers)) {
		id := leftovers[name]
		if id == "" {
			left = append(left, name+": the listing shows no id; remove it by hand")
			continue
		}
		ex, err := r.Wire.revokeAPIKey(ctx, id, Bearer(r.token))
		if err != nil || ex.Status < 200 || ex.Status > 299 {
			left = append(left, name+": the revoke call did not succeed")
			continue
		}
		r.lifecycle.Swept = append(r.lifecycle.Swept, name)
	}
	return left
}
