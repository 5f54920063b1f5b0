package graph

// The run-time side of graph/internal/lean's rewrite of the generated
// executor: what the rewritten code calls in place of gqlgen's own.

import (
	"context"
	"io"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSlice marshals a list's elements in order on the calling goroutine.
// The generated executor calls it in place of graphql.MarshalSliceConcurrently
// (see internal/lean for why); it keeps that function's contract: each
// element gets its own field context with its index, and a panic in one
// element is reported as an error on that element and nulls the list.
func marshalSlice(ctx context.Context, n int, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	// The elements' field contexts and indexes in one allocation each, not
	// two per element: a page of 50 cases has hundreds of list elements.
	fcs, idxs := make([]graphql.FieldContext, n), make([]int, n)
	for i := 0; i < n; i++ {
		idxs[i] = i
		fcs[i].Index = &idxs[i]
		child := graphql.WithFieldContext(ctx, &fcs[i])
		panicked := func() (panicked bool) {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(child, graphql.Recover(child, r))
					panicked = true
				}
			}()
			ret[i] = marshal(child, i)
			return false
		}()
		if panicked {
			return nil
		}
	}
	return ret
}

// leanObject is an object's resolved fields, written as JSON. The generated
// object marshallers return it in place of their *graphql.FieldSet (see
// internal/lean); it writes the same bytes without allocating.
type leanObject struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

var (
	openBrace  = []byte{'{'}
	closeBrace = []byte{'}'}
	comma      = []byte{','}
	quoteColon = []byte{'"', ':'}
	quote      = []byte{'"'}
)

// MarshalGQL writes {"alias":value,...}. Like gqlgen's own, it writes an
// alias once, keeping the first. Aliases are GraphQL names
// ([_A-Za-z][_0-9A-Za-z]*), which need no escaping in JSON.
func (o leanObject) MarshalGQL(w io.Writer) {
	w.Write(openBrace)
	for i := range o.fields {
		alias := o.fields[i].Alias
		if seenBefore(o.fields[:i], alias) {
			continue
		}
		if i > 0 {
			w.Write(comma)
		}
		w.Write(quote)
		io.WriteString(w, alias)
		w.Write(quoteColon)
		o.values[i].MarshalGQL(w)
	}
	w.Write(closeBrace)
}

func seenBefore(fields []graphql.CollectedField, alias string) bool {
	for i := range fields {
		if fields[i].Alias == alias {
			return true
		}
	}
	return false
}

// leanString is a string field written straight off its struct
// (internal/lean): the executor holds a pointer to the field, which costs no
// allocation, where graphql.MarshalString's closure costs one per field.
type leanString string

// MarshalGQL writes the string as graphql.MarshalString does, byte for
// byte (FuzzLeanString holds it to that): only '"', '\\' and control
// characters are escaped, and other bytes, even invalid UTF-8, pass as they
// are.
func (s *leanString) MarshalGQL(w io.Writer) {
	v := string(*s)
	w.Write(quote)
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		io.WriteString(w, v[start:i])
		switch c {
		case '\t':
			io.WriteString(w, `\t`)
		case '\r':
			io.WriteString(w, `\r`)
		case '\n':
			io.WriteString(w, `\n`)
		case '\\':
			io.WriteString(w, `\\`)
		case '"':
			io.WriteString(w, `\"`)
		default:
			// Substrings of a constant: no buffer that would escape.
			const hex = "0123456789ABCDEF"
			io.WriteString(w, `\u00`)
			io.WriteString(w, hex[c>>4:c>>4+1])
			io.WriteString(w, hex[c&0xf:c&0xf+1])
		}
		start = i + 1
	}
	io.WriteString(w, v[start:])
	w.Write(quote)
}

// leanEnumValues holds one *leanString per enum value name written so far:
// the names come from the generated enums' maps, so it stays as small as
// the schema's enums.
var leanEnumValues sync.Map

// leanEnum is an enum value's marshaller, shared by every value of that
// name (internal/lean), rather than a new closure per value.
func leanEnum(name string) graphql.Marshaler {
	if m, ok := leanEnumValues.Load(name); ok {
		return m.(*leanString)
	}
	v := leanString(name)
	m, _ := leanEnumValues.LoadOrStore(name, &v)
	return m.(*leanString)
}

// leanChunkSize is the unit leanWriter collects a response in: most pages
// fit in a few chunks, and a small answer uses part of one.
const leanChunkSize = 16 << 10

var leanChunks = sync.Pool{New: func() any {
	b := make([]byte, 0, leanChunkSize)
	return &b
}}

// leanWriter collects an operation's response in pooled chunks, then copies
// it out once at its exact size (internal/lean). The bytes.Buffer it
// replaces doubled as the response grew: a page of cases allocated about
// twice its size, and copied it at every doubling.
type leanWriter struct {
	chunks []*[]byte
	n      int
}

func (w *leanWriter) WriteString(s string) (int, error) { return leanWrite(w, s), nil }

func (w *leanWriter) Write(p []byte) (int, error) { return leanWrite(w, p), nil }

func leanWrite[T string | []byte](w *leanWriter, p T) int {
	for rest := p; len(rest) > 0; {
		last := w.last()
		k := min(len(rest), cap(*last)-len(*last))
		*last = append(*last, rest[:k]...)
		rest = rest[k:]
	}
	w.n += len(p)
	return len(p)
}

// last is the chunk with room in it, taken from the pool when the last one
// is full.
func (w *leanWriter) last() *[]byte {
	if k := len(w.chunks); k > 0 && len(*w.chunks[k-1]) < cap(*w.chunks[k-1]) {
		return w.chunks[k-1]
	}
	c := leanChunks.Get().(*[]byte)
	*c = (*c)[:0]
	w.chunks = append(w.chunks, c)
	return c
}

// Bytes returns everything written, in one new slice the writer does not
// keep, and gives its chunks back to the pool.
func (w *leanWriter) Bytes() []byte {
	out := make([]byte, 0, w.n)
	for _, c := range w.chunks {
		out = append(out, *c...)
		leanChunks.Put(c)
	}
	w.chunks, w.n = nil, 0
	return out
}
