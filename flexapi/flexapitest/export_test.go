package flexapitest

// What the package's own tests (package flexapitest_test) use and its users
// do not: exported here, in test builds alone.
var (
	WithErrorLog       = withErrorLog
	WithKeys           = withKeys
	WithMaxTokens      = withMaxTokens
	AcceptedWithoutMID = acceptedWithoutMID
	RouteOther         = routeOther
)

func (s *Server) PendingFaults(route Route) int { return s.pendingFaults(route) }
