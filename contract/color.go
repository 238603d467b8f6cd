package contract

import "os"

// colorWanted reports whether output to f may carry colour codes: only on
// a terminal, and never when NO_COLOR is set (https://no-color.org) or
// TERM is "dumb". Saved console output and CI logs stay plain text.
func colorWanted(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
