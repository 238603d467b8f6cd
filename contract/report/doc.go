// Package report is what a contract run leaves for people and tools: the
// verdict and the checks (verdict.go), contract-report.md (report.go),
// junit.xml (junit.go), observations.json and its schema
// (observations.go, schema.go), the ledger of the documentation's
// contradictions (ledger.go), the history of the last nights (history.go)
// and the comparison of two runs (diff.go).
//
// The suite in package contract fills it; cmd/contractdiff and
// cmd/nightlyalert read it without the suite. It sends no request and
// knows no credential: every writer takes the run's Redactor.
package report
