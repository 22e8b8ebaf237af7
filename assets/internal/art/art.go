package art

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// File is one generated icon.
type File struct {
	Name string
	Data []byte
}

// AppIconSizes are the pixel sizes the app icon is drawn at: the hicolor
// sizes of the Linux icon theme and every size an .icns file holds.
var AppIconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512, 1024}

// Colours. The app is a cream llama on teal; the badges use the macOS
// system colours, which a Mac user already reads as "on" and "warning".
var (
	black     = color.NRGBA{0, 0, 0, 255}
	cream     = color.NRGBA{0xFF, 0xF6, 0xE6, 0xFF}
	tealTop   = color.NRGBA{0x2F, 0xC4, 0xB2, 0xFF}
	tealLow   = color.NRGBA{0x0B, 0x6E, 0x69, 0xFF}
	teal      = color.NRGBA{0x14, 0x93, 0x88, 0xFF}
	ink       = color.NRGBA{0x1B, 0x2A, 0x33, 0xFF}
	white     = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	green     = color.NRGBA{0x30, 0xC1, 0x57, 0xFF}
	greenDeep = color.NRGBA{0x1E, 0x9E, 0x43, 0xFF}
	orange    = color.NRGBA{0xFF, 0x9F, 0x0A, 0xFF}
)

// place maps the glyph's own 1024-unit box onto a square of side size at
// (x, y) of the canvas, in integers.
type place struct{ x, y, size int }

func (p place) pt(v, o int) int { return o + v*p.size/unit }
func (p place) px(v int) int    { return p.pt(v, p.x) }
func (p place) py(v int) int    { return p.pt(v, p.y) }
func (p place) len(v int) int   { return v * p.size / unit }

func (p place) stroke(ax, ay, bx, by, r int) capsule {
	return stroke(p.px(ax), p.py(ay), p.px(bx), p.py(by), p.len(r))
}
func (p place) oval(cx, cy, rx, ry int) ellipse {
	return oval(p.px(cx), p.py(cy), p.len(rx), p.len(ry))
}
func (p place) disc(cx, cy, r int) circle { return disc(p.px(cx), p.py(cy), p.len(r)) }

// llama is the glyph: a llama's head and neck in profile, facing right, with
// two tall curved ears, a forelock and a woolly back to the neck. The neck
// runs past the bottom of the box so that a container can cut it. eye is
// the eye, to be cut out or painted.
func llama(p place) (body, eye shape) {
	parts := []shape{
		p.taper(410, 1500, 180, 455, 560, 160),
		p.oval(495, 440, 200, 170),
		p.stroke(560, 486, 770, 500, 112),
		p.taper(395, 330, 64, 345, 180, 50),
		p.taper(345, 180, 50, 362, 62, 32),
		p.taper(510, 310, 64, 522, 172, 50),
		p.taper(522, 172, 50, 498, 56, 32),
		p.disc(585, 300, 46),
		p.disc(632, 326, 36),
	}
	for y := 620; y < 1500; y += 85 {
		parts = append(parts, p.disc(268-(y-620)/21, y, 58))
	}
	return anyOf(parts...), p.disc(600, 392, 40)
}

func (p place) taper(ax, ay, ra, bx, by, rb int) shape {
	return taper(p.px(ax), p.py(ay), p.len(ra), p.px(bx), p.py(by), p.len(rb))
}

// powerMark is the standard power symbol centred at (cx, cy) with outer
// radius r: a ring open at the top and a bar through the gap.
func powerMark(cx, cy, r int) shape {
	w := r * 26 / 100
	ring := cut(disc(cx, cy, r), disc(cx, cy, r-w))
	gap := poly(cx, cy, cx-r*6/10, cy-r*12/10, cx+r*6/10, cy-r*12/10)
	arc := cut(ring, gap)
	// Round the two ends of the arc where the gap cuts it.
	mid := r - w/2
	ex, ey := mid*45/100, mid*89/100
	ends := anyOf(disc(cx-ex, cy-ey, w/2), disc(cx+ex, cy-ey, w/2))
	bar := stroke(cx, cy-r-w/4, cx, cy-r*15/100, w/2)
	return anyOf(arc, ends, bar)
}

// appIcon follows the macOS layout: an 824-unit rounded square centred in
// the 1024-unit canvas, leaving room for the shadow macOS draws. The power
// badge says what the app is for; below 48 px it would be a smudge, so the
// small sizes leave it out.
func appIcon(badge bool) func() []layer {
	return func() []layer {
		square := rrect(100, 100, 924, 924, 186)
		body, eye := llama(place{x: 170, y: 150, size: 700})
		layers := []layer{
			{square, vertical(100, 924, tealTop, tealLow)},
			{and(body, square), solid(cream)},
			{eye, solid(ink)},
		}
		if !badge {
			return layers
		}
		bx, by, br := 742, 742, 132
		return append(layers,
			layer{disc(bx, by, br+22), solid(cream)},
			layer{disc(bx, by, br), vertical(by-br, by+br, green, greenDeep)},
			layer{powerMark(bx, by, br*56/100), solid(white)},
		)
	}
}

// trayIcon is the colour icon for Linux panels, which may be light or dark:
// the cream llama on a teal disc reads on both.
func trayIcon() []layer {
	d := disc(512, 512, 508)
	body, eye := llama(place{x: -20, y: 80, size: 1000})
	return []layer{
		{d, solid(teal)},
		{cut(and(body, d), eye), solid(cream)},
	}
}

// trayAttentionIcon is trayIcon with an orange warning badge at the bottom
// right, shown while an instance has problems or an action failed. The
// badge sits in the corner the llama leaves free, on a cream rim so that it
// stands apart from the teal disc on any panel.
func trayAttentionIcon() []layer {
	const bx, by, br = 760, 760, 205
	return append(trayIcon(),
		layer{disc(bx, by, br+45), solid(cream)},
		layer{cut(disc(bx, by, br), bang(bx, by, br)), solid(orange)},
	)
}

// templateIcon is the macOS menu-bar icon: black on transparent, the eye cut
// out; macOS tints it for light and dark menu bars.
func templateIcon() []layer {
	return []layer{{templateGlyph(), solid(black)}}
}

func templateGlyph() shape {
	body, eye := llama(place{x: -150, y: -10, size: 1240})
	return cut(and(body, rrect(0, 0, unit, unit, 0)), eye)
}

// templateAttentionIcon is templateIcon with a badge at the bottom right,
// set off from the llama by a clear gap, since a template image has no
// colour to tell them apart. With mark the badge has an exclamation mark cut
// out; at 18 px the mark would be a grey smudge, so 1× leaves it out.
func templateAttentionIcon(mark bool) func() []layer {
	return func() []layer {
		const bx, by, br = 800, 820, 200
		var badge shape = disc(bx, by, br)
		if mark {
			badge = cut(badge, bang(bx, by, br))
		}
		return []layer{
			{cut(templateGlyph(), disc(bx, by, br+64)), solid(black)},
			{badge, solid(black)},
		}
	}
}

// bang is an exclamation mark to fit a badge of radius r centred at (cx, cy).
func bang(cx, cy, r int) shape {
	w := r * 17 / 100
	return anyOf(
		stroke(cx, cy-r*55/100, cx, cy+r*12/100, w),
		disc(cx, cy+r*50/100, w*115/100),
	)
}

// job is one file to draw.
type job struct {
	name    string
	px      int
	samples int
	layers  func() []layer
}

func jobs() []job {
	js := []job{
		{"template.png", 18, 16, templateIcon},
		{"template@2x.png", 36, 16, templateIcon},
		{"tray.png", 64, 8, trayIcon},
		{"template-attention.png", 18, 16, templateAttentionIcon(false)},
		{"template-attention@2x.png", 36, 16, templateAttentionIcon(true)},
		{"tray-attention.png", 64, 8, trayAttentionIcon},
	}
	for _, s := range AppIconSizes {
		n := 16
		switch {
		case s >= 512:
			n = 3
		case s >= 128:
			n = 6
		}
		js = append(js, job{fmt.Sprintf("appicon/%d.png", s), s, n, appIcon(s >= 48)})
	}
	return js
}

// Render draws every icon and encodes it as PNG. The result is the same on
// every machine, so the committed files can be checked against it.
func Render() ([]File, error) {
	js := jobs()
	files := make([]File, len(js))
	errs := make([]error, len(js))
	var wg sync.WaitGroup
	for i, j := range js {
		wg.Go(func() {
			data, err := encode(render(j.px, j.samples, j.layers()))
			files[i], errs[i] = File{Name: j.name, Data: data}, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", js[i].name, err)
		}
	}
	return files, nil
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
