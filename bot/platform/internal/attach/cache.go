package attach

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Store is the state's small key/value table, as the clients take it.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// Uploaded is a media id a platform gave for one fitted image of one
// delivery.
type Uploaded struct {
	ID string    `json:"id"`
	At time.Time `json:"at"` // when the platform answered the upload
	// Expires is when the platform drops the media if no post uses it
	// (X's expires_after_secs); zero: the client's own rule applies.
	Expires time.Time `json:"expires,omitzero"`
	// Described: the text alternative was set (X sets it in a call of
	// its own after the upload).
	Described bool `json:"described,omitempty"`
}

// Cache keeps Uploaded entries in a Store. The key holds everything that
// makes an upload reusable: the target (one account), the post key, the
// image's position and the hash of the fitted bytes, so a changed picture
// is never mistaken for the one uploaded. A nil Store keeps nothing.
type Cache struct {
	Platform string
	Store    Store
	Logger   *slog.Logger
}

// Key names one image of one delivery.
func (c Cache) Key(target, postKey string, img Image) string {
	return fmt.Sprintf("%s:media:%s:%s:%d:%s", c.Platform, target, postKey, img.Index, img.Hash)
}

// Get returns the entry under key. A store that cannot be read is logged
// and taken as empty: the image is uploaded again, which costs an upload,
// not a wrong post.
func (c Cache) Get(ctx context.Context, key string) (Uploaded, bool) {
	if c.Store == nil {
		return Uploaded{}, false
	}
	b, ok, err := c.Store.Get(ctx, key)
	if err != nil {
		c.warn("cannot read an uploaded media id from the state", key, err)
		return Uploaded{}, false
	}
	var u Uploaded
	if !ok || json.Unmarshal(b, &u) != nil || u.ID == "" {
		return Uploaded{}, false
	}
	return u, true
}

// Put stores u under key; a failure is logged (the next attempt uploads
// again).
func (c Cache) Put(ctx context.Context, key string, u Uploaded) {
	if c.Store == nil {
		return
	}
	b, err := json.Marshal(u)
	if err == nil {
		err = c.Store.Put(ctx, key, b)
	}
	if err != nil {
		c.warn("cannot keep an uploaded media id in the state", key, err)
	}
}

func (c Cache) warn(msg, key string, err error) {
	if c.Logger != nil {
		c.Logger.Warn(c.Platform+": "+msg, "cache_key", key, "err", err)
	}
}
