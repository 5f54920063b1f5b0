package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/returnsgw/returnsgw/returns"
)

// Case documents are written by encoding/json. Reading them back with
// json.Unmarshal dominates the cost of a list page (it scans every document
// twice and reflects on every field), so decodeDoc reads the exact form that
// encoding/json writes for returns.Case in one pass. Anything else — a field
// it does not know, a key in other case, a repeated key, a number that is not
// a plain integer, invalid JSON — makes it give up and hand the document to
// json.Unmarshal, so it can be faster but never different. FuzzDecodeDoc
// holds it to that.

// errSlow says the document is not in the form the fast reader knows.
var errSlow = errors.New("sqlite: document not in the fast form")

// decodeDoc decodes a stored case document into c, which must be zero.
func decodeDoc(doc []byte, c *returns.Case) error { return decodeDocRaw(doc, c, true) }

// decodeDocRaw decodes a stored case document into c, which must be zero;
// without raw it leaves out Raw and every line's Raw, which it then only
// steps over: the largest part of a document, and one no list shows.
func decodeDocRaw(doc []byte, c *returns.Case, raw bool) error {
	return decodeDocKeep(doc, c, raw, nil)
}

// decodeDocKeep is decodeDocRaw that, without raw, still keeps the keys of
// the case's own Raw named in keep (a line's Raw is left out all the same).
func decodeDocKeep(doc []byte, c *returns.Case, raw bool, keep []string) error {
	// The document as a string, which every string of the case slices,
	// saves an allocation per string. It is the caller's bytes, not a copy:
	// every caller passes bytes nobody writes to again, a document it
	// encoded itself or one scanned into docBytes, which holds a blob the
	// driver made for that row alone (TestDriverBlobsAreTheRowsOwn) and
	// copies anything else, so they cannot change under the strings.
	r := docReader{b: doc, s: unsafe.String(unsafe.SliceData(doc), len(doc)), skipRaw: !raw, keep: keep}
	if err := r.caseDoc(c); err == nil && r.end() {
		return nil
	}
	*c = returns.Case{}
	if err := json.Unmarshal(doc, c); err != nil {
		return err
	}
	if !raw {
		c.Raw = keptRaw(c.Raw, keep)
		for i := range c.Lines {
			c.Lines[i].Raw = nil
		}
	}
	return nil
}

// docBytes is a stored document scanned for decodeDoc, whose strings share
// its bytes. A BLOB arrives as the array the driver made for the row alone,
// which it keeps; anything else is copied. (sql.RawBytes would not do: a
// document stored as TEXT arrives as a string, which database/sql copies into
// a buffer it reuses for every row, so each case of a page would read the
// next row's bytes; TestListTextDocumentsKeepTheirOwnStrings.)
type docBytes []byte

func (d *docBytes) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		*d = v
	case string:
		*d = []byte(v)
	case nil:
		*d = nil
	default:
		return fmt.Errorf("sqlite: a stored document of type %T", src)
	}
	return nil
}

// docReader reads JSON from b, starting at i; s holds the same bytes.
type docReader struct {
	b       []byte
	s       string
	i       int
	skipRaw bool     // step over Raw maps rather than build them
	keep    []string // with skipRaw, the case Raw's keys to build all the same
}

// rawMap reads a Raw map into *p, or steps over it when the reader skips
// them, keeping only the case's (not a line's) keys in r.keep.
func (r *docReader) rawMap(p *map[string]string, line bool) error {
	if !r.skipRaw {
		return r.strMap(p)
	}
	if r.null() {
		return nil
	}
	keep := r.keep
	if line {
		keep = nil
	}
	return r.object(func(key string) error {
		if r.null() {
			return errSlow
		}
		if !slices.Contains(keep, key) {
			return r.skipString()
		}
		v, err := r.strValue()
		if err == nil {
			if *p == nil {
				*p = make(map[string]string, len(keep))
			}
			(*p)[key] = v
		}
		return err
	})
}

// skipString steps over a string without building it. json.Unmarshal
// takes any bytes in a string but control characters (invalid UTF-8
// becomes U+FFFD), so a string without escapes needs only the search for
// its end and a look for those; one with escapes is checked escape by
// escape (skipEscaped).
func (r *docReader) skipString() error {
	if err := r.next('"'); err != nil {
		return err
	}
	j := bytes.IndexByte(r.b[r.i:], '"')
	if j < 0 {
		return errSlow
	}
	s := r.b[r.i : r.i+j]
	if bytes.IndexByte(s, '\\') >= 0 {
		return r.skipEscaped()
	}
	for _, c := range s {
		if c < 0x20 {
			return errSlow
		}
	}
	r.i += j + 1
	return nil
}

// skipEscaped steps over the rest of a string that has escapes, checking
// them against JSON's grammar only: what they stand for is not needed.
func (r *docReader) skipEscaped() error {
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return nil
		case c < 0x20:
			return errSlow
		case c == '\\':
			if r.i+1 >= len(r.b) {
				return errSlow
			}
			switch r.b[r.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				r.i += 2
			case 'u':
				if r.i+6 > len(r.b) {
					return errSlow
				}
				for _, h := range r.b[r.i+2 : r.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return errSlow
					}
				}
				r.i += 6
			default:
				return errSlow
			}
			continue
		}
		r.i++
	}
	return errSlow
}

// keptRaw is m with only the keys in keep, or nil when none is left.
func keptRaw(m map[string]string, keep []string) map[string]string {
	var out map[string]string
	for _, k := range keep {
		if v, ok := m[k]; ok {
			if out == nil {
				out = make(map[string]string, len(keep))
			}
			out[k] = v
		}
	}
	return out
}

func (r *docReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *docReader) end() bool {
	r.ws()
	return r.i == len(r.b)
}

// next consumes c, the next non-space byte, or fails.
func (r *docReader) next(c byte) error {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return nil
	}
	return errSlow
}

// null consumes a null literal if one comes next.
func (r *docReader) null() bool {
	r.ws()
	if len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// object reads an object, calling field for each key with the reader at the
// value; field must consume the value. A key may occur once: json.Unmarshal
// merges repeated keys in ways not worth imitating.
func (r *docReader) object(field func(key string) error) error {
	if err := r.next('{'); err != nil {
		return err
	}
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return nil
	}
	for {
		key, err := r.strValue()
		if err != nil {
			return err
		}
		if err := r.next(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		r.ws()
		if r.i >= len(r.b) {
			return errSlow
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return errSlow
		}
	}
}

// fields tracks the keys an object has had, to refuse a repeated one.
type fields uint64

func (f *fields) once(n int) error {
	if *f&(1<<n) != 0 {
		return errSlow
	}
	*f |= 1 << n
	return nil
}

// read reads the value of field n with read, once; a nil read (a key the
// fast reader does not know) leaves the document to json.Unmarshal.
func (f *fields) read(n int, read func() error) error {
	if read == nil {
		return errSlow
	}
	if err := f.once(n); err != nil {
		return err
	}
	return read()
}

// objectPtr reads an object into a new T that becomes *p with fill, which
// reads its fields; null makes *p nil.
func objectPtr[T any](r *docReader, p **T, fill func(*T) error) error {
	if r.null() {
		*p = nil
		return nil
	}
	v := new(T)
	if err := fill(v); err != nil {
		return err
	}
	*p = v
	return nil
}

// array reads an array, calling elem for each element.
func (r *docReader) array(elem func() error) error {
	if err := r.next('['); err != nil {
		return err
	}
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		r.ws()
		if r.i >= len(r.b) {
			return errSlow
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return nil
		default:
			return errSlow
		}
	}
}

// rawString reads an ASCII string without escapes and returns where its
// contents lie. Keys and times are such strings.
func (r *docReader) rawString() (from, to int, err error) {
	if err := r.next('"'); err != nil {
		return 0, 0, err
	}
	from = r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return from, r.i - 1, nil
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return 0, 0, errSlow
		}
		r.i++
	}
	return 0, 0, errSlow
}

// str reads a string value into *s; null leaves *s alone, as json.Unmarshal does.
func (r *docReader) str(s *string) error {
	if r.null() {
		return nil
	}
	v, err := r.strValue()
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// boolean reads true, false or null (false).
func (r *docReader) boolean(b *bool) error {
	if r.null() {
		return nil
	}
	switch {
	case len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "true":
		r.i += 4
		*b = true
	case len(r.b)-r.i >= 5 && string(r.b[r.i:r.i+5]) == "false":
		r.i += 5
		*b = false
	default:
		return errSlow
	}
	return nil
}

// strValue reads a string.
func (r *docReader) strValue() (string, error) {
	if err := r.next('"'); err != nil {
		return "", err
	}
	startAt := r.i
	escaped, ascii := false, true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			raw := r.b[startAt : r.i-1]
			// Unescaped valid UTF-8 is its own value; json.Unmarshal only
			// copies it too.
			if !escaped && (ascii || utf8.Valid(raw)) {
				return r.s[startAt : r.i-1], nil
			}
			// Escapes and invalid UTF-8: encoding/json decides, on this string only.
			var v string
			err := json.Unmarshal(r.b[startAt-1:r.i], &v)
			return v, err
		case c == '\\':
			escaped = true
			r.i += 2
			continue
		case c < 0x20:
			return "", errSlow
		case c >= utf8.RuneSelf:
			ascii = false
		}
		r.i++
	}
	return "", errSlow
}

// integer reads a JSON integer (no fraction, no exponent) of bitSize bits.
func (r *docReader) integer(bitSize int) (int64, error) {
	r.ws()
	startAt := r.i
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	n := r.i - digits
	if n == 0 || (n > 1 && r.b[digits] == '0') {
		return 0, errSlow
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case '.', 'e', 'E':
			return 0, errSlow
		}
	}
	v, err := strconv.ParseInt(string(r.b[startAt:r.i]), 10, bitSize)
	if err != nil {
		return 0, errSlow
	}
	return v, nil
}

// when reads a time value the way time.Time.UnmarshalJSON does (null leaves it alone).
func (r *docReader) when(t *time.Time) error {
	if r.null() {
		return nil
	}
	r.ws()
	startAt := r.i
	if _, _, err := r.rawString(); err != nil {
		return err
	}
	// encoding/json hands time.Time the token as it stands, quotes included.
	return t.UnmarshalJSON(r.b[startAt:r.i])
}

// whenPtr reads a *time.Time; null makes it nil.
func (r *docReader) whenPtr(p **time.Time) error {
	if r.null() {
		*p = nil
		return nil
	}
	t := new(time.Time)
	if err := r.when(t); err != nil {
		return err
	}
	*p = t
	return nil
}

func (r *docReader) money(m *returns.Money) error {
	if r.null() {
		return nil
	}
	var seen fields
	return r.object(func(key string) error {
		switch key {
		case "Minor":
			if err := seen.once(0); err != nil {
				return err
			}
			v, err := r.integer(64)
			m.Minor = v
			return err
		case "Currency":
			if err := seen.once(1); err != nil {
				return err
			}
			return r.str(&m.Currency)
		}
		return errSlow
	})
}

func (r *docReader) moneyPtr(p **returns.Money) error {
	if r.null() {
		*p = nil
		return nil
	}
	m := new(returns.Money)
	if err := r.money(m); err != nil {
		return err
	}
	*p = m
	return nil
}

// strMap reads a map[string]string; null makes it nil.
func (r *docReader) strMap(p *map[string]string) error {
	if r.null() {
		*p = nil
		return nil
	}
	m := make(map[string]string)
	err := r.object(func(key string) error {
		if _, dup := m[key]; dup {
			return errSlow
		}
		var v string
		if r.null() {
			return errSlow
		}
		if err := r.str(&v); err != nil {
			return err
		}
		m[key] = v
		return nil
	})
	if err != nil {
		return err
	}
	*p = m
	return nil
}

func (r *docReader) caseDoc(c *returns.Case) error {
	var seen fields
	return r.object(func(key string) error {
		var n int
		var read func() error
		switch key {
		case "Platform":
			n, read = 0, func() error { return r.str((*string)(&c.Platform)) }
		case "PlatformCaseID":
			n, read = 1, func() error { return r.str(&c.PlatformCaseID) }
		case "ShopID":
			n, read = 2, func() error { return r.str(&c.ShopID) }
		case "OrderID":
			n, read = 3, func() error { return r.str(&c.OrderID) }
		case "BuyerID":
			n, read = 4, func() error { return r.str(&c.BuyerID) }
		case "Kind":
			n, read = 5, func() error { return r.str((*string)(&c.Kind)) }
		case "Status":
			n, read = 6, func() error { return r.str((*string)(&c.Status)) }
		case "PlatformStatus":
			n, read = 7, func() error { return r.platformStatus(&c.PlatformStatus) }
		case "Reason":
			n, read = 8, func() error { return r.str((*string)(&c.Reason)) }
		case "PlatformReason":
			n, read = 9, func() error { return r.str(&c.PlatformReason) }
		case "Market":
			n, read = 10, func() error { return r.str((*string)(&c.Market)) }
		case "Lines":
			n, read = 11, func() error { return r.lines(&c.Lines) }
		case "RequestedRefund":
			n, read = 12, func() error { return r.moneyPtr(&c.RequestedRefund) }
		case "RefundedAmount":
			n, read = 13, func() error { return r.moneyPtr(&c.RefundedAmount) }
		case "ReturnFreight":
			n, read = 14, func() error { return r.moneyPtr(&c.ReturnFreight) }
		case "Deadlines":
			n, read = 15, func() error { return r.deadlines(&c.Deadlines) }
		case "ReturnShipment":
			n, read = 16, func() error { return r.shipment(&c.ReturnShipment) }
		case "Note":
			n, read = 17, func() error { return r.str(&c.Note) }
		case "DeliveredAt":
			n, read = 18, func() error { return r.whenPtr(&c.DeliveredAt) }
		case "ReturnFreightPaidBy":
			n, read = 19, func() error { return r.str((*string)(&c.ReturnFreightPaidBy)) }
		case "PendingSteps":
			n, read = 20, func() error { return r.pendingSteps(&c.PendingSteps) }
		case "Inspection":
			n, read = 35, func() error { return r.inspection(&c.Inspection) }
		case "FreeReturnPromised":
			n, read = 26, func() error { return r.boolean(&c.FreeReturnPromised) }
		case "ExemptionConfirmedAtCheckout":
			n, read = 27, func() error { return r.boolean(&c.ExemptionConfirmedAtCheckout) }
		case "Tariff":
			n, read = 28, func() error { return r.moneyPtr(&c.Tariff) }
		case "ShippingPaid":
			n, read = 31, func() error { return r.moneyPtr(&c.ShippingPaid) }
		case "Fulfilment":
			n, read = 32, func() error { return r.str((*string)(&c.Fulfilment)) }
		case "Facts":
			n, read = 33, func() error { return r.strMap(&c.Facts) }
		case "Export":
			n, read = 34, func() error { return r.exportTerms(&c.Export) }
		case "ApprovedAt":
			n, read = 29, func() error { return r.whenPtr(&c.ApprovedAt) }
		case "ReceivedAt":
			n, read = 30, func() error { return r.whenPtr(&c.ReceivedAt) }
		case "CreatedAt":
			n, read = 21, func() error { return r.when(&c.CreatedAt) }
		case "UpdatedAt":
			n, read = 22, func() error { return r.when(&c.UpdatedAt) }
		case "Raw":
			n, read = 23, func() error { return r.rawMap(&c.Raw, false) }
		case "Version":
			n, read = 24, func() error {
				if r.null() {
					return nil
				}
				v, err := r.integer(64)
				c.Version = v
				return err
			}
		case "SyncedAt":
			n, read = 25, func() error { return r.when(&c.SyncedAt) }
		}
		return seen.read(n, read)
	})
}

// exportTerms reads a case's export-return terms; null makes them nil.
func (r *docReader) exportTerms(p **returns.ExportTerms) error {
	return objectPtr(r, p, func(t *returns.ExportTerms) error {
		var seen fields
		return r.object(func(key string) error {
			var n int
			var read func() error
			switch key {
			case "ContractReturnDays":
				n, read = 0, func() error {
					v, err := r.integer(strconv.IntSize)
					t.ContractReturnDays = int(v)
					return err
				}
			case "Freight":
				n, read = 1, func() error { return r.moneyPtr(&t.Freight) }
			case "Insurance":
				n, read = 2, func() error { return r.moneyPtr(&t.Insurance) }
			}
			return seen.read(n, read)
		})
	})
}

func (r *docReader) platformStatus(p *returns.PlatformStatus) error {
	if r.null() {
		return nil
	}
	var seen fields
	return r.object(func(key string) error {
		var n int
		var read func() error
		switch key {
		case "Code":
			n, read = 0, func() error { return r.str(&p.Code) }
		case "Label":
			n, read = 1, func() error { return r.str(&p.Label) }
		}
		return seen.read(n, read)
	})
}

func (r *docReader) deadlines(d *returns.Deadlines) error {
	if r.null() {
		return nil
	}
	var seen fields
	return r.object(func(key string) error {
		var n int
		var read func() error
		switch key {
		case "RespondBy":
			n, read = 0, func() error { return r.whenPtr(&d.RespondBy) }
		case "BuyerShipBy":
			n, read = 1, func() error { return r.whenPtr(&d.BuyerShipBy) }
		case "RefundBy":
			n, read = 2, func() error { return r.whenPtr(&d.RefundBy) }
		case "WindowClosesAt":
			n, read = 3, func() error { return r.whenPtr(&d.WindowClosesAt) }
		case "AutoActionAt":
			n, read = 4, func() error { return r.whenPtr(&d.AutoActionAt) }
		case "AutoAction":
			n, read = 5, func() error { return r.str(&d.AutoAction) }
		}
		return seen.read(n, read)
	})
}

func (r *docReader) shipment(p **returns.Shipment) error {
	return objectPtr(r, p, func(sh *returns.Shipment) error {
		var seen fields
		return r.object(func(key string) error {
			var n int
			var read func() error
			switch key {
			case "CarrierCode":
				n, read = 0, func() error { return r.str(&sh.CarrierCode) }
			case "CarrierName":
				n, read = 1, func() error { return r.str(&sh.CarrierName) }
			case "TrackingNo":
				n, read = 2, func() error { return r.str(&sh.TrackingNo) }
			case "ShippedAt":
				n, read = 3, func() error { return r.whenPtr(&sh.ShippedAt) }
			case "SignedAt":
				n, read = 4, func() error { return r.whenPtr(&sh.SignedAt) }
			}
			return seen.read(n, read)
		})
	})
}

func (r *docReader) lines(p *[]returns.Line) error {
	if r.null() {
		*p = nil
		return nil
	}
	out := []returns.Line{}
	err := r.array(func() error {
		var l returns.Line
		if r.null() {
			out = append(out, l)
			return nil
		}
		var seen fields
		err := r.object(func(key string) error {
			var n int
			var read func() error
			switch key {
			case "SKU":
				n, read = 0, func() error { return r.str(&l.SKU) }
			case "Title":
				n, read = 1, func() error { return r.str(&l.Title) }
			case "Quantity":
				n, read = 2, func() error {
					if r.null() {
						return nil
					}
					v, err := r.integer(strconv.IntSize)
					l.Quantity = int(v)
					return err
				}
			case "UnitPrice":
				n, read = 3, func() error { return r.money(&l.UnitPrice) }
			case "Category":
				n, read = 4, func() error { return r.str((*string)(&l.Category)) }
			case "Raw":
				n, read = 5, func() error { return r.rawMap(&l.Raw, true) }
			case "CategorySource":
				n, read = 6, func() error { return r.str((*string)(&l.CategorySource)) }
			}
			return seen.read(n, read)
		})
		out = append(out, l)
		return err
	})
	if err != nil {
		return err
	}
	*p = out
	return nil
}

func (r *docReader) pendingSteps(p *[]returns.PendingStep) error {
	if r.null() {
		*p = nil
		return nil
	}
	out := []returns.PendingStep{}
	err := r.array(func() error {
		var s returns.PendingStep
		if r.null() {
			out = append(out, s)
			return nil
		}
		var seen fields
		err := r.object(func(key string) error {
			var n int
			var read func() error
			switch key {
			case "Action":
				n, read = 0, func() error { return r.str((*string)(&s.Action)) }
			case "RecordedAt":
				n, read = 1, func() error { return r.when(&s.RecordedAt) }
			case "Note":
				n, read = 2, func() error { return r.str(&s.Note) }
			case "URL":
				n, read = 3, func() error { return r.str(&s.URL) }
			}
			return seen.read(n, read)
		})
		out = append(out, s)
		return err
	})
	if err != nil {
		return err
	}
	*p = out
	return nil
}

// decodeCaseKeep decodes a stored case as decodeCaseRaw does, keeping the
// case Raw's keys in keep when it leaves out the raw values.
func decodeCaseKeep(doc []byte, version, synced int64, raw bool, keep []string) (*returns.Case, error) {
	c := new(returns.Case)
	if err := decodeDocKeep(doc, c, raw, keep); err != nil {
		return nil, fmt.Errorf("sqlite: decode stored case: %w", err)
	}
	c.Version = version
	c.SyncedAt = fromNS(synced)
	return c, nil
}

func (r *docReader) inspection(p **returns.Inspection) error {
	return objectPtr(r, p, func(in *returns.Inspection) error {
		var seen fields
		return r.object(func(key string) error {
			var n int
			var read func() error
			switch key {
			case "Grade":
				n, read = 0, func() error { return r.str((*string)(&in.Grade)) }
			case "Disposition":
				n, read = 1, func() error { return r.str((*string)(&in.Disposition)) }
			case "Notes":
				n, read = 2, func() error { return r.str(&in.Notes) }
			case "RecoveredValue":
				n, read = 3, func() error { return r.money(&in.RecoveredValue) }
			case "EvidenceIDs":
				n, read = 4, func() error { return r.strings(&in.EvidenceIDs) }
			case "InspectedAt":
				n, read = 5, func() error { return r.when(&in.InspectedAt) }
			}
			return seen.read(n, read)
		})
	})
}

// strings reads an array of strings; null is nil, and null elements are
// left to json.Unmarshal.
func (r *docReader) strings(p *[]string) error {
	if r.null() {
		*p = nil
		return nil
	}
	out := []string{}
	err := r.array(func() error {
		if r.null() {
			return errSlow
		}
		s, err := r.strValue()
		out = append(out, s)
		return err
	})
	if err != nil {
		return err
	}
	*p = out
	return nil
}
