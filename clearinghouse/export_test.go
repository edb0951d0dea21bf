package clearinghouse

// SetCrashHook makes c call crash at each step boundary; a non-nil error
// aborts the operation there, as if the process died.
func SetCrashHook(c *Connector, crash func(step string) error) { c.crash = crash }
