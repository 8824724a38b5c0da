package render

import (
	"testing"
	"time"
)

func TestDigestLines(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 6, 7, 9, 0, 0, 0, hel)
	for _, tc := range []struct{ got, want string }{
		{EventLine("Sytykettä yhteistyöhön, osio II", start, start.Add(6*time.Hour), false, "fi"), "ma 7.6. klo 9.00–15.00 Sytykettä yhteistyöhön, osio II"},
		{EventLine("Sytyke", start, start.Add(6*time.Hour), false, "sv"), "måndag 7.6. kl. 9.00–15.00 Sytyke"},
		{EventLine("Sytyke", start, start.Add(6*time.Hour), false, "en"), "Mon 7 June, 9:00 am–3:00 pm Sytyke"},
		{EventLine("Koulutuspäivät", start, start, true, "fi"), "ma 7.6. Koulutuspäivät"},
		{EventLine("Koulutuspäivät", start, start.AddDate(0, 0, 1), true, "fi"), "ma 7.–8.6. Koulutuspäivät"},
		{WeekTitle("LUMO", "fi"), "Tällä viikolla LUMOssa"},
		{WeekTitle("Lähiverkko", "fi"), "Tällä viikolla Lähiverkkossa"},
		{WeekTitle("Ystävä", "fi"), "Tällä viikolla Ystävässä"},
		{WeekTitle("LUMO", "sv"), "Den här veckan på LUMO"},
		{WeekTitle("LUMO", "en"), "This week at LUMO"},
		{NewsTitle("LUMO", "fi"), "Uutta LUMOssa"},
		{More(3, "fi"), "+3 muuta"},
		{More(3, "sv"), "+3 till"},
		{More(3, "en"), "+3 more"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	// The default template: title, a line an item, what was left out, the link.
	r := New("fi", []string{"#LUMOhanke"})
	tmpl, err := r.Parse("digest", Default("digest"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := SampleData("digest")
	got, err := r.Execute(tmpl, data)
	want := "Tällä viikolla LUMOssa\nma 7.6. klo 9.00–15.00 Sytykettä yhteistyöhön, osio II\n+1 muuta\nhttps://example.fi/lumo #LUMOhanke"
	if err != nil || got != want {
		t.Errorf("default digest %q, %v\nwant %q", got, err, want)
	}
}
