package art

import "testing"

func TestIsqrt(t *testing.T) {
	for _, c := range []struct{ in, want int64 }{
		{0, 0}, {1, 1}, {3, 1}, {4, 2}, {99, 9}, {100, 10}, {1 << 62, 1 << 31},
	} {
		if got := isqrt(c.in); got != c.want {
			t.Errorf("isqrt(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestShapes(t *testing.T) {
	p := func(x, y int) (int64, int64) { return fx(x), fx(y) }
	for _, c := range []struct {
		name string
		s    shape
		x, y int
		want bool
	}{
		{"disc centre", disc(100, 100, 10), 100, 100, true},
		{"disc edge", disc(100, 100, 10), 110, 100, true},
		{"disc outside", disc(100, 100, 10), 108, 108, false},
		{"oval along the long axis", oval(500, 500, 300, 100), 790, 500, true},
		{"oval across the short axis", oval(500, 500, 300, 100), 500, 610, false},
		{"capsule body", stroke(0, 0, 1000, 1000, 50), 520, 480, true},
		{"capsule beside", stroke(0, 0, 1000, 1000, 50), 600, 400, false},
		{"capsule cap", stroke(0, 0, 1000, 1000, 50), -30, -30, true},
		{"capsule past the cap", stroke(0, 0, 1000, 1000, 50), -40, -40, false},
		{"round rect corner cut", rrect(0, 0, 100, 100, 40), 2, 2, false},
		{"round rect side", rrect(0, 0, 100, 100, 40), 0, 50, true},
		{"polygon inside", poly(0, 0, 100, 0, 0, 100), 20, 20, true},
		{"polygon outside", poly(0, 0, 100, 0, 0, 100), 60, 60, false},
		{"polygon the other way round", poly(0, 100, 100, 0, 0, 0), 20, 20, true},
		{"cut hole", cut(disc(0, 0, 100), disc(0, 0, 50)), 10, 10, false},
		{"cut ring", cut(disc(0, 0, 100), disc(0, 0, 50)), 70, 0, true},
		{"taper wide end", taper(0, 0, 100, 0, 1000, 10), 90, 100, true},
		{"taper narrow end", taper(0, 0, 100, 0, 1000, 10), 50, 950, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, y := p(c.x, c.y)
			if got := c.s.box().has(x, y) && c.s.in(x, y); got != c.want {
				t.Errorf("(%d, %d) in: got %v, want %v", c.x, c.y, got, c.want)
			}
		})
	}
}

func TestRenderCoverage(t *testing.T) {
	img := render(4, 4, []layer{{rrect(0, 0, 512, 1024, 0), solid(black)}})
	for x := range 4 {
		want := uint8(0)
		if x < 2 {
			want = 255
		}
		if got := img.NRGBAAt(x, 1).A; got != want {
			t.Errorf("pixel %d alpha: got %d, want %d", x, got, want)
		}
	}
	half := render(1, 4, []layer{{rrect(0, 0, 512, 1024, 0), solid(black)}})
	if got := half.NRGBAAt(0, 0).A; got != 128 {
		t.Errorf("half-covered pixel alpha: got %d, want 128", got)
	}
}
