package render

import "testing"

func TestReadsField(t *testing.T) {
	r := New("fi", nil)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"{{.Title}} {{date .Start}}", false},
		{"{{.Title}} {{.Before}}", true},
		{"{{$.Before}}", true},
		{"{{with .Location}}{{.}}{{end}}", false},
		{"{{json .}}", true},
		{"{{$}}", true},
		{"{{range .Categories}}{{.Before}}{{end}}", true},
		{"{{if .AllDay}}{{daterange .Start .End}}{{else}}{{timerange .Start .End}}{{end}}", false},
		{"{{$x := .}}{{$x.Title}}", true},
		{"{{define \"sub\"}}{{.Before}}{{end}}{{template \"sub\" .}}", true},
		{"Muistutus: {{.Title}}", false},
	} {
		tmpl, err := r.Parse("t", tc.text)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if got := tmpl.ReadsField("Before"); got != tc.want {
			t.Errorf("ReadsField(Before) on %q = %v, want %v", tc.text, got, tc.want)
		}
	}

	// The bot renders reminders of one event once when the template reads
	// neither field: the default reads .Due (and so differs per rule), not .Before.
	tmpl, err := r.Parse("reminder", Default("reminder"))
	if err != nil {
		t.Fatal(err)
	}
	if !tmpl.ReadsField("Due") || tmpl.ReadsField("Before") {
		t.Errorf("default reminder: ReadsField(Due) = %v, ReadsField(Before) = %v, want true, false", tmpl.ReadsField("Due"), tmpl.ReadsField("Before"))
	}
}
