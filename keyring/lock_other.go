//go:build !unix

package keyring

import "os"

// Elsewhere only the in-process rename is atomic; concurrent rotation from
// several processes is not serialised.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
