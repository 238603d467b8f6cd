package contract

import (
	"encoding/json"
	"slices"
	"time"
)

// This file says when the listing after the revokes proves a key gone.
// The absence of the name the run sent proves nothing about a key the
// target stored under another name (a create probe's name with < and >
// cleaned up) or for another merchant (a create probe without mid): the
// create answer says which, and a key the run's listing cannot show is
// never recorded revoked.

// keyIdentity is what the create answer said of where a key lives.
type keyIdentity struct {
	// names are the names the key may be listed under: the one sent and
	// the one the create answer gave.
	names []string
	// elsewhere is set when the key is not the run merchant's, or may not
	// be: the answer named another mid, or the request sent none and the
	// answer named none. No listing of the run's merchant shows it.
	elsewhere bool
}

// noteIdentity records from the create exchange ex the names k may be
// listed under and whether it is the run merchant's key.
func (r *suiteRun) noteIdentity(k *createdKey, ex *Exchange) {
	var sent, answered struct {
		MID  *string `json:"mid"`
		Name *string `json:"name"`
	}
	_ = json.Unmarshal(ex.RequestBody, &sent)
	_ = json.Unmarshal(ex.Body, &answered)
	k.identity.names = []string{k.Name}
	if answered.Name != nil && *answered.Name != k.Name {
		k.identity.names = append(k.identity.names, *answered.Name)
	}
	switch {
	case answered.MID != nil:
		k.identity.elsewhere = *answered.MID != r.Config.MID
	default:
		k.identity.elsewhere = sent.MID == nil || *sent.MID != r.Config.MID
	}
}

// shownBy reports whether the 200 listing ex may still show k: a listed
// key with one of its names, its id, or (a name the target changed without
// saying so) its last four with a created_at no older than the run, or
// none that can be read.
func (lc *keyLifecycle) shownBy(ex *Exchange, k *createdKey) bool {
	keys, err := decodeKeys(ex.Body)
	if err != nil {
		return true
	}
	names := k.identity.names
	if len(names) == 0 {
		names = []string{k.Name}
	}
	for _, listed := range keys {
		name, _ := listed["name"].(string)
		id, _ := listed["id"].(string)
		lastFour, _ := listed["last_four"].(string)
		switch {
		case slices.Contains(names, name), k.ID != "" && id == k.ID:
			return true
		case k.LastFour() != "" && lastFour == k.LastFour():
			created, _ := listed["created_at"].(string)
			t, err := time.Parse(time.RFC3339Nano, created)
			if err != nil || !t.Before(lc.Start.Add(-clockSkew)) {
				return true
			}
		}
	}
	return false
}
