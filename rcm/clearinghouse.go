package rcm

import (
	"time"
)

// Inbound file states of the clearinghouse ledger, in order.
const (
	InboundListed     = "listed"
	InboundDownloaded = "downloaded"
	InboundArchived   = "archived"
	InboundRouted     = "routed"
	InboundRemoved    = "removed"
)

// Outbound file states, in order.
const (
	OutboundArchived  = "archived"
	OutboundUploading = "uploading"
	OutboundRenaming  = "renaming"
	OutboundUploaded  = "uploaded"
)

// InboundFile is one file found in a partner's inbound folder.
type InboundFile struct {
	ID         int64
	Partner    string
	RemoteName string
	Size       int64
	MTime      time.Time
	State      string
	SHA256     string // set from downloaded on
	Duplicate  bool   // same content as an earlier file from this partner
	Attempts   int
}

// OutboundFile is one file sent (or being sent) to a partner.
type OutboundFile struct {
	ID         int64
	Partner    string
	RemoteName string
	SHA256     string
	Size       int64
	State      string
	Attempts   int
}
