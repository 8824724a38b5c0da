//go:build !unix

package store

import (
	"errors"
	"os"
)

func tryLock(*os.File) (bool, error) {
	return false, errors.New("exclusive state locks are supported on Unix only")
}

func freeSpace(string) (uint64, error) {
	return 0, errors.New("free space is measured on Unix only")
}
