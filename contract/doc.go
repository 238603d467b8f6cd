// Package contract checks a FlexFactor server against openapi.yaml at the
// wire: the Ginkgo suite in this directory sends real requests, captures
// the raw bytes of each response and validates them with kin-openapi, then
// writes a JUnit report for CI and a Markdown report for a person.
//
// The non-test code here is what the suite is made of, kept apart so that
// it is documented and unit-tested on its own: the target and its
// environment variables (target.go), the polite wire client
// (wireclient.go), the validator (wire.go), what the run observed
// (observe.go), the keys a run makes and revokes (lifecycle.go), the
// requests create and revoke must refuse (negative.go), the commands that
// reproduce a failed check (reproduce.go) and what the run hands to
// package report after its specs (reports.go). The suite's specs are in
// this package too: it exports only what the self-test, the tools and
// the drills use.
//
// Without environment variables the suite runs against the in-process
// flexapitest double; docs/contract.md describes live targets.
package contract
