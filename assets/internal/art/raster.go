// Package art draws LimaBar's icons. It is a tiny rasteriser that works only
// in integers, so that the same source gives the same pixels on every
// machine: floating-point code may be compiled with fused multiply-add on
// arm64 and not on amd64, and a committed PNG must be reproducible anywhere.
package art

import (
	"image"
	"image/color"
	"math/bits"
)

// Shapes are described in design units: the canvas is unit×unit whatever
// its size in pixels. Sample points are compared in fixed point with frac
// fractional bits, which is fine enough for anti-aliasing at 1024 px.
const (
	unit = 1024
	frac = 8
	one  = 1 << frac
)

// shape reports whether a point, in fixed-point design units, is inside.
type shape interface {
	in(x, y int64) bool
	box() rect
}

// rect is a bounding box in fixed-point design units, inclusive.
type rect struct{ x0, y0, x1, y1 int64 }

func (r rect) union(o rect) rect {
	return rect{min(r.x0, o.x0), min(r.y0, o.y0), max(r.x1, o.x1), max(r.y1, o.y1)}
}

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) has(x, y int64) bool { return x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1 }

func fx(v int) int64 { return int64(v) << frac }

// circle is a disc.
type circle struct{ cx, cy, r int64 }

func disc(cx, cy, r int) circle { return circle{fx(cx), fx(cy), fx(r)} }

func (c circle) in(x, y int64) bool {
	dx, dy := x-c.cx, y-c.cy
	return dx*dx+dy*dy <= c.r*c.r
}

func (c circle) box() rect { return rect{c.cx - c.r, c.cy - c.r, c.cx + c.r, c.cy + c.r} }

// ellipse is axis-aligned.
type ellipse struct{ cx, cy, rx, ry int64 }

func oval(cx, cy, rx, ry int) ellipse { return ellipse{fx(cx), fx(cy), fx(rx), fx(ry)} }

func (e ellipse) in(x, y int64) bool {
	// (dx/rx)² + (dy/ry)² <= 1, multiplied out: (dx·ry)² + (dy·rx)² <= (rx·ry)².
	a := sq(abs(x-e.cx) * e.ry)
	b := sq(abs(y-e.cy) * e.rx)
	return cmp(add(a, b), sq(e.rx*e.ry)) <= 0
}

func (e ellipse) box() rect { return rect{e.cx - e.rx, e.cy - e.ry, e.cx + e.rx, e.cy + e.ry} }

// roundRect is an axis-aligned rectangle with round corners of radius r.
type roundRect struct{ x0, y0, x1, y1, r int64 }

func rrect(x0, y0, x1, y1, r int) roundRect { return roundRect{fx(x0), fx(y0), fx(x1), fx(y1), fx(r)} }

func (q roundRect) in(x, y int64) bool {
	if x < q.x0 || x > q.x1 || y < q.y0 || y > q.y1 {
		return false
	}
	cx := min(max(x, q.x0+q.r), q.x1-q.r)
	cy := min(max(y, q.y0+q.r), q.y1-q.r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= q.r*q.r
}

func (q roundRect) box() rect { return rect{q.x0, q.y0, q.x1, q.y1} }

// capsule is every point within r of the segment a–b: a stroke with round
// caps.
type capsule struct{ ax, ay, bx, by, r int64 }

func stroke(ax, ay, bx, by, r int) capsule { return capsule{fx(ax), fx(ay), fx(bx), fx(by), fx(r)} }

func (c capsule) in(x, y int64) bool {
	vx, vy := c.bx-c.ax, c.by-c.ay
	px, py := x-c.ax, y-c.ay
	t := px*vx + py*vy
	l2 := vx*vx + vy*vy
	switch {
	case t <= 0 || l2 == 0:
		return px*px+py*py <= c.r*c.r
	case t >= l2:
		qx, qy := x-c.bx, y-c.by
		return qx*qx+qy*qy <= c.r*c.r
	}
	// Distance to the line: |cross| / |v| <= r, squared on both sides.
	cr := px*vy - py*vx
	return cmp(sq(abs(cr)), mul(c.r*c.r, l2)) <= 0
}

func (c capsule) box() rect {
	return rect{min(c.ax, c.bx) - c.r, min(c.ay, c.by) - c.r, max(c.ax, c.bx) + c.r, max(c.ay, c.by) + c.r}
}

// taper is the convex hull of two discs, near enough: a stroke whose
// width changes from ra at a to rb at b. The sides join the discs at the
// points square to the axis, which is exact when ra == rb and leaves a
// sliver too small to see otherwise.
func taper(ax, ay, ra, bx, by, rb int) shape {
	vx, vy := int64(bx-ax), int64(by-ay)
	l := isqrt(vx*vx + vy*vy)
	if l == 0 {
		return disc(ax, ay, max(ra, rb))
	}
	nx, ny := -vy, vx
	off := func(r int) (int, int) { return int(nx * int64(r) / l), int(ny * int64(r) / l) }
	dax, day := off(ra)
	dbx, dby := off(rb)
	return anyOf(
		disc(ax, ay, ra),
		disc(bx, by, rb),
		poly(ax+dax, ay+day, bx+dbx, by+dby, bx-dbx, by-dby, ax-dax, ay-day),
	)
}

// isqrt is the integer square root, floor(√v).
func isqrt(v int64) int64 {
	if v <= 0 {
		return 0
	}
	x := v
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + v/x) / 2
	}
	return x
}

// polygon is convex; its points may go either way round.
type polygon struct {
	xs, ys []int64
	b      rect
}

func poly(pts ...int) polygon {
	p := polygon{b: rect{1 << 62, 1 << 62, -1 << 62, -1 << 62}}
	for i := 0; i+1 < len(pts); i += 2 {
		x, y := fx(pts[i]), fx(pts[i+1])
		p.xs = append(p.xs, x)
		p.ys = append(p.ys, y)
		p.b = p.b.union(rect{x, y, x, y})
	}
	return p
}

func (p polygon) in(x, y int64) bool {
	var pos, neg bool
	n := len(p.xs)
	for i := range n {
		j := (i + 1) % n
		cr := (p.xs[j]-p.xs[i])*(y-p.ys[i]) - (p.ys[j]-p.ys[i])*(x-p.xs[i])
		if cr > 0 {
			pos = true
		} else if cr < 0 {
			neg = true
		}
		if pos && neg {
			return false
		}
	}
	return true
}

func (p polygon) box() rect { return p.b }

// group is the union of shapes. Boxes are computed once: a sample outside a
// part's box skips the part.
type group struct {
	parts []shape
	boxes []rect
	b     rect
}

func anyOf(parts ...shape) *group {
	g := &group{parts: parts}
	for i, p := range parts {
		g.boxes = append(g.boxes, p.box())
		if i == 0 {
			g.b = g.boxes[0]
		} else {
			g.b = g.b.union(g.boxes[i])
		}
	}
	return g
}

func (g *group) in(x, y int64) bool {
	for i, p := range g.parts {
		if g.boxes[i].has(x, y) && p.in(x, y) {
			return true
		}
	}
	return false
}

func (g *group) box() rect { return g.b }

// both is the intersection of two shapes.
type both struct {
	a, b shape
	bx   rect
}

func and(a, b shape) both { return both{a, b, a.box().intersect(b.box())} }

func (i both) in(x, y int64) bool { return i.a.in(x, y) && i.b.in(x, y) }
func (i both) box() rect          { return i.bx }

// minus is a without b.
type minus struct {
	a, b   shape
	ab, bb rect
}

func cut(a, b shape) minus { return minus{a, b, a.box(), b.box()} }

func (d minus) in(x, y int64) bool {
	return d.a.in(x, y) && !(d.bb.has(x, y) && d.b.in(x, y))
}
func (d minus) box() rect { return d.ab }

// paint gives the colour of a sample; y is in fixed-point design units, so a
// gradient does not depend on the canvas size.
type paint func(y int64) color.NRGBA

func solid(c color.NRGBA) paint { return func(int64) color.NRGBA { return c } }

// vertical is a top-to-bottom gradient between design rows y0 and y1.
func vertical(y0, y1 int, top, bottom color.NRGBA) paint {
	a, b := fx(y0), fx(y1)
	return func(y int64) color.NRGBA {
		t := min(max(y-a, 0), b-a)
		mix := func(p, q uint8) uint8 {
			return uint8((int64(p)*(b-a-t) + int64(q)*t + (b-a)/2) / (b - a))
		}
		return color.NRGBA{mix(top.R, bottom.R), mix(top.G, bottom.G), mix(top.B, bottom.B), mix(top.A, bottom.A)}
	}
}

// layer is one shape filled with one paint; layers are drawn in order.
type layer struct {
	s shape
	p paint
}

// render draws layers on a px×px canvas, n×n samples per pixel.
func render(px, n int, layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	s := int64(px * n)
	// pos maps a sample index to the fixed-point design coordinate of the
	// sample's centre.
	pos := func(i int64) int64 { return (2*i + 1) * (unit << frac) / (2 * s) }
	samples := int64(n * n)
	// Premultiplied colour, 16 bits per channel.
	acc := make([][4]int64, px*px)
	for _, l := range layers {
		b := l.s.box()
		for py := range px {
			y0, y1 := pos(int64(py*n)), pos(int64(py*n+n-1))
			if y1 < b.y0 || y0 > b.y1 {
				continue
			}
			for pxi := range px {
				x0, x1 := pos(int64(pxi*n)), pos(int64(pxi*n+n-1))
				if x1 < b.x0 || x0 > b.x1 {
					continue
				}
				var cover int64
				for j := range n {
					y := pos(int64(py*n + j))
					for i := range n {
						x := pos(int64(pxi*n + i))
						if b.has(x, y) && l.s.in(x, y) {
							cover++
						}
					}
				}
				if cover == 0 {
					continue
				}
				// Paint varies slowly, so the pixel's centre row stands for
				// all its samples.
				c := l.p(pos(int64(py*n + n/2)))
				sa := (int64(c.A)*257*cover + samples/2) / samples
				sr := int64(c.R) * sa / 255
				sg := int64(c.G) * sa / 255
				sb := int64(c.B) * sa / 255
				d := &acc[py*px+pxi]
				keep := 65535 - sa
				d[0] = sr + d[0]*keep/65535
				d[1] = sg + d[1]*keep/65535
				d[2] = sb + d[2]*keep/65535
				d[3] = sa + d[3]*keep/65535
			}
		}
	}
	for i, d := range acc {
		if d[3] == 0 {
			continue
		}
		un := func(c int64) uint8 { return uint8(min((c*255+d[3]/2)/d[3], 255)) }
		img.Pix[i*4+0] = un(d[0])
		img.Pix[i*4+1] = un(d[1])
		img.Pix[i*4+2] = un(d[2])
		img.Pix[i*4+3] = uint8((d[3]*255 + 32767) / 65535)
	}
	return img
}

// 128-bit helpers for the products that outgrow int64.

type u128 struct{ hi, lo uint64 }

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func mul(a, b int64) u128 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return u128{hi, lo}
}

func sq(a int64) u128 { return mul(a, a) }

func add(a, b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}
}

func cmp(a, b u128) int {
	switch {
	case a.hi != b.hi:
		if a.hi < b.hi {
			return -1
		}
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}
