// Package drill holds, in its test file, the checks of the spec drill:
// TestSpecDrill at the module's root copies the module, changes
// openapi.yaml, runs go generate, and runs these checks in the copy. In
// this tree they skip.
package drill
