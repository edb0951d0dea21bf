package clearinghouse_test

import (
	"bytes"
	"fmt"

	"github.com/claimflow/claimflow/clearinghouse"
)

// A CORE real-time envelope survives an encode/decode round trip.
func ExampleCOREEnvelope() {
	req := &clearinghouse.COREEnvelope{
		PayloadType: clearinghouse.PayloadType270, ProcessingMode: clearinghouse.RealTime,
		PayloadID: "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", TimeStamp: "2026-01-01T12:00:00Z",
		SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", CORERuleVersion: clearinghouse.CORERuleVersion,
		Payload: []byte("ISA*00*...~"),
	}
	body, contentType, _ := req.Encode()
	got, _ := clearinghouse.DecodeCOREEnvelope(contentType, bytes.NewReader(body))
	code, _ := got.CheckRequest()
	fmt.Println(got.PayloadType, got.PayloadID, string(got.Payload), code == "")
	// Output: X12_270_Request_005010X279A1 f81d4fae-7dec-11d0-a765-00a0c91e6bf6 ISA*00*...~ true
}
