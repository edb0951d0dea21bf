// Package rcm holds the revenue cycle's records and rules, free of storage
// and transport: patients, coverage, providers, payers, appointments,
// encounters, claims, remittances and work items, the validation rules that
// decide whether a record is acceptable, actors and permissions, and the
// domain errors the API maps to statuses. Adapters (store, api, webhooks,
// clearinghouse, ...) exchange these types; none of them is needed to use
// them.
package rcm
