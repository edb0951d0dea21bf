package payloadcodec

import (
	"context"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/claimflow/claimflow/keyring"
)

// SealV1 seals payloads exactly as the codec did before per-tenant keys
// (format v1: a keyring blob, key id = the KEK version), so tests can prove
// such payloads, still in running workflows' histories, keep decoding.
func SealV1(ctx context.Context, k *keyring.Keyring, payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		blob, err := k.SealBlob(ctx, plain, aadV1)
		if err != nil {
			return nil, err
		}
		id, err := keyring.BlobKeyID(blob)
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(id)},
			Data:     blob,
		}
	}
	return out, nil
}
