package rcm

// BookingStats counts what the booking path did since the store opened
// (the API exports them as Prometheus counters).
type BookingStats struct {
	// Transactions is how many booking transactions ran (batches and
	// single bookings, retries included); Bookings how many bookings they
	// carried.
	Transactions, Bookings int64
	// Fallbacks is how many batch transactions failed as a whole, their
	// bookings then retried one by one.
	Fallbacks int64
	// Largest is the most bookings one transaction carried.
	Largest int64
}
