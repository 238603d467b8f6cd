package flexapi

import "time"

// Test-only options: a clock, so that tests move time instead of sleeping,
// and the early-expiry margin.

func WithClock(now func() time.Time) Option {
	return func(s *settings) error { s.now = now; return nil }
}

func WithEarlyExpiry(d time.Duration) Option {
	return func(s *settings) error { s.earlyExpiry = d; return nil }
}

func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(s *settings) error { s.headerTimeout = d; return nil }
}
