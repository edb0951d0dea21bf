package keyring_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/claimflow/claimflow/keyring"
)

// A record gets its own data key; the wrapped key is stored with the row,
// each PHI column is sealed with the row's identity as AAD, and a blind
// index makes the member ID searchable.
func Example() {
	dir, _ := os.MkdirTemp("", "keyring-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	k, err := keyring.OpenLocal(filepath.Join(dir, "keys", "kek.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	dk, wrapped, err := k.NewDataKey(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	aad := []byte("patients/4711/name")
	sealedName := dk.Seal([]byte("DOE JANE"), aad)
	memberIndex := k.BlindIndex("patient.member_id", "ZZX900000001")

	// Later, reading the row back.
	dk2, err := k.DataKey(ctx, wrapped)
	if err != nil {
		fmt.Println(err)
		return
	}
	name, err := dk2.Open(sealedName, aad)
	fmt.Println(string(name), err)
	_, err = dk2.Open(sealedName, []byte("patients/4712/name"))
	fmt.Println(err)
	fmt.Println(len(memberIndex), string(k.BlindIndex("patient.member_id", "ZZX900000001")) == string(memberIndex))
	// Output:
	// DOE JANE <nil>
	// keyring: cannot decrypt
	// 32 true
}
