package project_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/bot/store/pgstore"
	"github.com/lumohanke/lumobot/bot/store/project"
	"github.com/lumohanke/lumobot/bot/store/storetest"
)

var ctx = context.Background()

var t0 = time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)

func now() time.Time { return t0 }

// owned is a project's view that closes the shared store it was made on:
// the suite restarts a state by closing its store and opening it again.
type owned struct {
	*project.Store
	shared interface{ Close() error }
}

func (o owned) Close() error { return o.shared.Close() }

// backend runs the suite on name's view of a shared state that another
// project, "muu", has filled first with rows under the very names the
// suite uses: its targets x, mastodon and bluesky, its keys, its feeds
// and its key/value keys. A view that saw or changed a row of another
// project would fail the suite's exact checks (counts, Recent, Unseen,
// a feed never seen, a key never put).
func backend(name string, open func(t *testing.T) func() (project.Backend, error), errNotFound, errEnded error) storetest.Backend {
	return storetest.Backend{
		ErrNotFound: errNotFound,
		ErrEnded:    errEnded,
		New: func(t *testing.T) storetest.State {
			openShared := open(t)
			seeded := false
			return storetest.State{Open: func() (storetest.Store, error) {
				st, err := openShared()
				if err != nil {
					return nil, err
				}
				closer := st.(interface{ Close() error })
				if !seeded {
					seeded = true
					if err := seed(project.Wrap(st, "muu")); err != nil {
						closer.Close()
						return nil, fmt.Errorf("seed the other project: %w", err)
					}
				}
				return owned{project.Wrap(st, name), closer}, nil
			}}
		},
	}
}

// seed gives a project rows in every part of the state: deliveries in each
// status (ended ones newer than anything the suite writes, so that Recent
// must look past them), feeds with seen ids and values.
func seed(s *project.Store) error {
	late := t0.AddDate(1, 0, 0)
	var posts []bot.Post
	for _, target := range []string{"x", "mastodon", "bluesky"} {
		for _, key := range []string{"announcement:seuraa:1", "k", "good", "a", "b", "c", "r", "news:uutiset:1"} {
			posts = append(posts, bot.Post{Key: key, Kind: bot.KindNews, Target: target, Due: t0, Text: "muu " + key})
		}
		for i := range 30 {
			posts = append(posts, bot.Post{Key: fmt.Sprintf("muu:%d", i), Kind: bot.KindNews, Target: target, Due: t0, Text: "muu"})
		}
	}
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		return err
	}
	for _, target := range []string{"x", "mastodon"} {
		for i := range 30 {
			key := fmt.Sprintf("muu:%d", i)
			if _, err := s.MarkSending(ctx, key, target, late); err != nil {
				return err
			}
			if err := s.MarkSent(ctx, key, target, bot.Receipt{ID: key}, late.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		if _, err := s.MarkSending(ctx, "k", target, late); err != nil {
			return err
		}
	}
	for _, feed := range []string{"uutiset", "tapahtumat", "f", "feed"} {
		if err := s.SaveFeed(ctx, feed, bot.FeedState{ETag: `"muu"`, Body: []byte("BEGIN:VCALENDAR")}, []string{"a", "b", "c", "1", "2"}, t0); err != nil {
			return err
		}
	}
	for _, key := range []string{"bluesky:session", "other", "binary", "k", "a"} {
		if err := s.Put(ctx, key, []byte("muu")); err != nil {
			return err
		}
	}
	return nil
}

func sqliteShared(o store.Options) func(t *testing.T) func() (project.Backend, error) {
	return func(t *testing.T) func() (project.Backend, error) {
		path := filepath.Join(t.TempDir(), "lumobot.db")
		return func() (project.Backend, error) { return store.Open(path, o) }
	}
}

func TestConformanceSQLite(t *testing.T) {
	for _, tc := range []struct {
		name, project string
		o             store.Options
	}{
		{"lumo", "lumo", store.Options{Now: now}},
		// Sealed values are sealed under the qualified key.
		{"lumo sealed", "lumo", store.Options{Now: now, Key: make([]byte, store.KeySize)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, backend(tc.project, sqliteShared(tc.o), store.ErrNotFound, store.ErrEnded))
		})
	}
	// The unnamed project (a state of one config file) beside a named one.
	t.Run("unnamed", func(t *testing.T) {
		storetest.Run(t, backend("", sqliteShared(store.Options{Now: now}), store.ErrNotFound, store.ErrEnded))
	})
}

// pgShared opens a new, empty schema of the test server (LUMOBOT_PG),
// dropped when t ends; without LUMOBOT_PG the test skips, except under CI.
func pgShared(t *testing.T) func() (project.Backend, error) {
	t.Helper()
	base := os.Getenv("LUMOBOT_PG")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LUMOBOT_PG is not set under CI: .ci/run starts PostgreSQL and exports it")
		}
		t.Skip("LUMOBOT_PG is not set: set it to a PostgreSQL URL to run the projects' PostgreSQL conformance")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "lumobot_test_" + hex.EncodeToString(b)
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatalf("LUMOBOT_PG: %v", err)
	}
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("LUMOBOT_PG does not parse: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return func() (project.Backend, error) { return pgstore.Open(ctx, u.String(), pgstore.Options{Now: now}) }
}

func TestConformancePostgres(t *testing.T) {
	t.Run("lumo", func(t *testing.T) {
		storetest.Run(t, backend("lumo", pgShared, pgstore.ErrNotFound, pgstore.ErrEnded))
	})
	t.Run("unnamed", func(t *testing.T) {
		storetest.Run(t, backend("", pgShared, pgstore.ErrNotFound, pgstore.ErrEnded))
	})
}

// Two projects on one state, each with a target x, a feed uutiset, an
// announcement seuraa and a Bluesky session: neither sees, changes or
// counts the other's. Run with two named projects, and with the unnamed
// one (a state of one config file, moved into a directory) beside a named.
func TestTwoProjectsIsolated(t *testing.T) {
	for _, names := range [][2]string{{"lumo", "muu"}, {"", "muu"}, {"lumo", ""}} {
		t.Run(names[0]+"+"+names[1], func(t *testing.T) { twoProjects(t, names[0], names[1]) })
	}
}

func twoProjects(t *testing.T, lumoName, muuName string) {
	st, err := store.Open(filepath.Join(t.TempDir(), "lumobot.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lumo, muu := project.Wrap(st, lumoName), project.Wrap(st, muuName)
	post := func(text string) bot.Post {
		return bot.Post{Key: "announcement:seuraa:1", Kind: bot.KindAnnouncement, Target: "x", Due: t0, Text: text}
	}
	in := []bot.Post{post("Seuraa LUMOa!")}
	must(t, lumo.Enqueue(ctx, in, t0))
	if in[0].Target != "x" {
		t.Errorf("Enqueue changed the caller's post: target %q", in[0].Target)
	}
	must(t, muu.Enqueue(ctx, []bot.Post{post("Seuraa muuta!")}, t0))

	for _, tc := range []struct {
		s    *project.Store
		text string
	}{{lumo, "Seuraa LUMOa!"}, {muu, "Seuraa muuta!"}} {
		open, err := tc.s.Open(ctx, "x")
		must(t, err)
		if len(open) != 1 || open[0].Text != tc.text || open[0].Target != "x" {
			t.Errorf("%s: Open(x) = %+v, want its own post, target x", tc.s.Name(), open)
		}
	}

	// lumo sends its post; muu's stays pending and claimable.
	claimed, err := lumo.MarkSending(ctx, "announcement:seuraa:1", "x", t0)
	must(t, err)
	if !claimed {
		t.Fatal("lumo could not claim its post")
	}
	must(t, lumo.MarkSent(ctx, "announcement:seuraa:1", "x", bot.Receipt{ID: "1", URL: "https://x.example/1"}, t0.Add(time.Minute)))
	if open, _ := muu.Open(ctx, "x"); len(open) != 1 || open[0].Status != bot.StatusPending || open[0].Attempts != 0 {
		t.Errorf("muu's post after lumo sent its own: %+v", open)
	}
	if ended, _ := muu.Ended(ctx, "x", []string{"announcement:seuraa:1"}); ended["announcement:seuraa:1"] {
		t.Error("muu's post counts as ended")
	}
	if sent, _ := muu.SentTimes(ctx, "x", t0.Add(-time.Hour)); len(sent) != 0 {
		t.Errorf("muu's min_gap sees lumo's send: %v", sent)
	}
	if sent, _ := lumo.SentTimes(ctx, "x", t0.Add(-time.Hour)); len(sent) != 1 {
		t.Errorf("lumo's sent times %v, want one", sent)
	}
	rl, err := lumo.Recent(ctx, 10)
	must(t, err)
	if len(rl) != 1 || rl[0].Target != "x" || rl[0].RemoteURL != "https://x.example/1" {
		t.Errorf("lumo's Recent = %+v", rl)
	}
	if rm, _ := muu.Recent(ctx, 10); len(rm) != 0 {
		t.Errorf("muu's Recent shows another project's: %+v", rm)
	}
	// Finishing muu's own works, and lumo's sent one is untouched.
	must(t, muu.Finish(ctx, "announcement:seuraa:1", "x", bot.StatusSkipped, "event cancelled", t0))
	if rl, _ := lumo.Recent(ctx, 10); len(rl) != 1 || rl[0].Status != bot.StatusSent {
		t.Errorf("lumo's delivery after muu finished its own: %+v", rl)
	}
	if err := muu.MarkSent(ctx, "announcement:seuraa:1", "y", bot.Receipt{ID: "2"}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkSent of a target muu does not have = %v, want ErrNotFound", err)
	}

	cl, _ := lumo.Counts(ctx)
	cm, _ := muu.Counts(ctx)
	if fmt.Sprint(cl) != "map[x:map[sent:1]]" || fmt.Sprint(cm) != "map[x:map[skipped:1]]" {
		t.Errorf("counts: lumo %v, muu %v", cl, cm)
	}
	all, _ := st.Counts(ctx)
	if want := map[string]map[bot.Status]int{
		project.Qualify(lumoName, "x"): {bot.StatusSent: 1}, project.Qualify(muuName, "x"): {bot.StatusSkipped: 1},
	}; fmt.Sprint(all) != fmt.Sprint(want) {
		t.Errorf("the shared state's counts %v: want each project's target by its qualified name, %v", all, want)
	}

	// Feeds: seen ids and validators are a project's own.
	must(t, lumo.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: `"lumo"`}, []string{"a", "b"}, t0))
	if fs, _ := muu.Feed(ctx, "uutiset"); fs.Known {
		t.Errorf("muu's feed is known from lumo's fetch: %+v", fs)
	}
	if un, _ := muu.Unseen(ctx, "uutiset", []string{"a", "b", "c"}); strings.Join(un, ",") != "a,b,c" {
		t.Errorf("muu's unseen %v: lumo's seen ids leaked", un)
	}
	if un, _ := lumo.Unseen(ctx, "uutiset", []string{"a", "b", "c"}); strings.Join(un, ",") != "c" {
		t.Errorf("lumo's unseen %v", un)
	}
	if fs, _ := lumo.Feed(ctx, "uutiset"); !fs.Known || fs.ETag != `"lumo"` {
		t.Errorf("lumo's feed %+v", fs)
	}

	// Key/value: sessions and planning marks.
	must(t, lumo.Put(ctx, "bluesky:session", []byte("lumo")))
	if _, ok, _ := muu.Get(ctx, "bluesky:session"); ok {
		t.Error("muu reads lumo's session")
	}
	must(t, muu.Put(ctx, "bluesky:session", []byte("muu")))
	if v, _, _ := lumo.Get(ctx, "bluesky:session"); string(v) != "lumo" {
		t.Errorf("lumo's session %q after muu put its own", v)
	}
	if v, ok, _ := st.Get(ctx, project.Qualify(muuName, "bluesky:session")); !ok || string(v) != "muu" {
		t.Errorf("the shared state has no %s: %q %v", project.Qualify(muuName, "bluesky:session"), v, ok)
	}
	if err := lumo.Put(ctx, "", []byte("x")); err == nil {
		t.Error("Put with an empty key: no error")
	}
	if err := lumo.SaveFeed(ctx, "", bot.FeedState{}, nil, t0); err == nil {
		t.Error("SaveFeed of an unnamed feed: no error")
	}
	if err := lumo.Enqueue(ctx, []bot.Post{{Key: "k", Kind: bot.KindNews, Due: t0}}, t0); err == nil {
		t.Error("Enqueue of a post without a target: no error")
	}
}

// Recent reads on until it has n of the project's own, however many of
// another project's are newer.
func TestRecentLooksPastOtherProjects(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "lumobot.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lumo, busy := project.Wrap(st, "lumo"), project.Wrap(st, "busy")
	end := func(s *project.Store, key string, at time.Time) {
		t.Helper()
		must(t, s.Enqueue(ctx, []bot.Post{{Key: key, Kind: bot.KindNews, Target: "x", Due: t0, Text: key}}, t0))
		must(t, s.Finish(ctx, key, "x", bot.StatusSkipped, "older than max_age", at))
	}
	for i := range 3 {
		end(lumo, fmt.Sprintf("lumo:%d", i), t0.Add(time.Duration(i)*time.Minute))
	}
	for i := range 500 {
		end(busy, fmt.Sprintf("busy:%d", i), t0.Add(time.Hour+time.Duration(i)*time.Second))
	}
	for _, n := range []int{1, 2, 3, 50} {
		got, err := lumo.Recent(ctx, n)
		must(t, err)
		var keys []string
		for _, d := range got {
			keys = append(keys, d.Key)
		}
		want := []string{"lumo:2", "lumo:1", "lumo:0"}[:min(n, 3)]
		if !slices.Equal(keys, want) {
			t.Errorf("Recent(%d) = %v, want %v", n, keys, want)
		}
	}
	// The unnamed project's rows are those without a project's prefix.
	unnamed := project.Wrap(st, "")
	end(unnamed, "vanha:0", t0)
	if got, _ := unnamed.Recent(ctx, 5); len(got) != 1 || got[0].Key != "vanha:0" || got[0].Target != "x" {
		t.Errorf("the unnamed project's Recent = %+v", got)
	}
	if got, _ := lumo.Recent(ctx, 10); len(got) != 3 {
		t.Errorf("lumo's Recent has %d rows beside the unnamed project's, want 3", len(got))
	}
	if got, _ := busy.Recent(ctx, 7); len(got) != 7 || got[0].Key != "busy:499" {
		t.Errorf("busy's Recent(7) = %d rows, first %+v", len(got), got)
	}
}

// fake is a Backend that records the names it is called with and has the
// optional methods or not.
type fake struct {
	project.Backend
	calls []string
}

func (f *fake) Renew(_ context.Context, key, target string) error {
	f.calls = append(f.calls, "renew "+key+" "+target)
	return nil
}
func (f *fake) CanRecord(context.Context) error { return errors.New("disk full") }
func (f *fake) Ping(context.Context) error      { return errors.New("unreachable") }

type bare struct{ project.Backend }

// The optional methods the core and cmd look for reach the shared store,
// with the project's names; a store without them answers as their absence
// would.
func TestOptionalMethods(t *testing.T) {
	f := &fake{}
	s := project.Wrap(f, "lumo")
	must(t, s.Renew(ctx, "k", "x"))
	if strings.Join(f.calls, "|") != "renew k lumo/x" {
		t.Errorf("Renew reached the store as %q", f.calls)
	}
	if err := s.CanRecord(ctx); err == nil || err.Error() != "disk full" {
		t.Errorf("CanRecord = %v", err)
	}
	if err := s.Ping(ctx); err == nil || err.Error() != "unreachable" {
		t.Errorf("Ping = %v", err)
	}
	if s.Unwrap() != project.Backend(f) {
		t.Error("Unwrap is not the shared store")
	}
	b := project.Wrap(bare{}, "lumo")
	if b.Renew(ctx, "k", "x") != nil || b.CanRecord(ctx) != nil || b.Ping(ctx) != nil {
		t.Error("a store without the optional methods made them fail")
	}
	// What the core probes for (bot/deliver.go's recordChecker).
	var core bot.Store = s
	if _, ok := core.(interface{ CanRecord(context.Context) error }); !ok {
		t.Error("the core cannot find CanRecord through the wrapper")
	}
}

// Every method of both backends is one the wrapper has, or one that is the
// shared store's alone (its owner's). A backend that grows a method (a
// lease, a leader lock, a compare-and-swap) fails here until the wrapper
// says how the method is namespaced, so that no type assertion of the core
// silently misses it through a project's view.
func TestWrapperCoversBackends(t *testing.T) {
	storeWide := map[string]string{
		"Close":    "closed by whoever opened the shared store",
		"Path":     "the shared file's path",
		"Owner":    "the replica's id, one for every project",
		"Announce": "the replica's row (its config hash), one for the process",
		"Leave":    "the replica's row, one for the process",
	}
	has := map[string]bool{}
	wt := reflect.TypeFor[*project.Store]()
	for i := range wt.NumMethod() {
		has[wt.Method(i).Name] = true
	}
	for _, bt := range []reflect.Type{reflect.TypeFor[*store.Store](), reflect.TypeFor[*pgstore.Store]()} {
		var missing []string
		for i := range bt.NumMethod() {
			name := bt.Method(i).Name
			if !has[name] && storeWide[name] == "" {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%v has %v, which project.Store does not forward: namespace them in bot/store/project (or list them here as the shared store's alone)", bt, missing)
		}
	}
}

func TestQualifySplit(t *testing.T) {
	for _, tc := range []struct{ project, name, stored string }{
		{"lumo", "x", "lumo/x"},
		{"keski-suomi_2", "mastodon.social", "keski-suomi_2/mastodon.social"},
		{"", "x", "x"},
	} {
		if got := project.Qualify(tc.project, tc.name); got != tc.stored {
			t.Errorf("Qualify(%q, %q) = %q", tc.project, tc.name, got)
		}
		if p, n := project.Split(tc.stored); p != tc.project || n != tc.name {
			t.Errorf("Split(%q) = %q, %q", tc.stored, p, n)
		}
	}
	// Not a project's prefix: the whole name.
	if p, n := project.Split("Lumo/x"); p != "" || n != "Lumo/x" {
		t.Errorf("Split(Lumo/x) = %q, %q", p, n)
	}
}

func TestWrapRefusesBadNames(t *testing.T) {
	for _, name := range []string{"Lumo", "lu/mo", "-lumo", "lumo.yaml", strings.Repeat("a", 65)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Wrap(%q) did not panic", name)
				}
			}()
			project.Wrap(bare{}, name)
		}()
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Locks gives each project its own delivery locks: two projects' targets
// of one name are two locks.
func TestLocksPerProject(t *testing.T) {
	l := &nameLocks{held: map[string]bool{}}
	a, b := project.Locks(l, "lumo"), project.Locks(l, "keski")
	if _, ok, _ := a.TryLock(context.Background(), "deliver:x"); !ok {
		t.Fatal("lumo's x not taken")
	}
	if _, ok, _ := b.TryLock(context.Background(), "deliver:x"); !ok {
		t.Error("keski's x is held by lumo's")
	}
	if _, ok, _ := a.TryLock(context.Background(), "deliver:x"); ok {
		t.Error("lumo's x taken twice")
	}
	if project.Locks(nil, "lumo") != nil || project.Locks(l, "") != bot.Locks(l) {
		t.Error("no locks, or the unnamed project, are not left as they are")
	}
}

type nameLocks struct{ held map[string]bool }

func (l *nameLocks) TryLock(_ context.Context, name string) (bot.Lock, bool, error) {
	if l.held[name] {
		return nil, false, nil
	}
	l.held[name] = true
	return nil, true, nil
}
