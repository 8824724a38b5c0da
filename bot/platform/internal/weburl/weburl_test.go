package weburl

import (
	"errors"
	"net/url"
	"testing"
)

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@hooks.example/services/T0/B0/secret?token=x": "https://hooks.example",
		"http://127.0.0.1:8080/path":                                  "http://127.0.0.1:8080",
		"not a url":                                                   "[redacted]",
		"":                                                            "[redacted]",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnwrap(t *testing.T) {
	inner := errors.New("connection refused")
	err := &url.Error{Op: "Post", URL: "https://hooks.example/secret", Err: inner}
	if got := Unwrap(err); got != inner {
		t.Errorf("Unwrap = %v, want the inner error", got)
	}
	if got := Unwrap(inner); got != inner {
		t.Errorf("Unwrap of a plain error = %v", got)
	}
}
