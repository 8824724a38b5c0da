// Package weburl keeps URLs out of platform clients' errors: a webhook's
// path is its secret, and userinfo or a query may carry one too.
package weburl

import (
	"errors"
	"net/url"
)

// Host reduces a URL to scheme and host.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[redacted]"
	}
	return u.Scheme + "://" + u.Host
}

// Unwrap drops net/http's *url.Error wrapper, whose text repeats the URL.
func Unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
